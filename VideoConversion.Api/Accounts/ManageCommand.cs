using Microsoft.AspNetCore.Identity;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// "manage users create NAME [--admin]" and "manage keys create NAME --user USER": accounts and keys
/// for operators and scripts (scripts/manage), made in the job database directly, so they work with
/// or without the API running. The secret is printed alone on the last line.
/// </summary>
public static class ManageCommand
{
    public const string Name = "manage";

    private const string Usage = """
        usage: VideoConversion.Api manage users create NAME [--admin]
               VideoConversion.Api manage keys create NAME --user USER
        (the database from ConnectionStrings__jobs; the secret is printed alone on the last line)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var command = args switch
        {
            [Name, "users", "create", var user] => (Func<IServiceProvider, Task<int>>)(services => CreateUserAsync(services, user, administrator: false)),
            [Name, "users", "create", var user, "--admin"] => services => CreateUserAsync(services, user, administrator: true),
            [Name, "keys", "create", var key, "--user", var user] => services => CreateKeyAsync(services, key, user),
            _ => null,
        };
        if (command is null)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 64;
        }

        var builder = Host.CreateApplicationBuilder([]);
        builder.Logging.ClearProviders();
        builder.AddJobDatabase();
        builder.Services.AddIdentityCore<IdentityUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<JobsDbContext>();
        builder.Services.AddScoped<AccountStore>();
        using var host = builder.Build();
        await host.Services.InitializeDatabaseAsync(CancellationToken.None);
        await using var scope = host.Services.CreateAsyncScope();
        return await command(scope.ServiceProvider);
    }

    private static async Task<int> CreateUserAsync(IServiceProvider services, string userName, bool administrator)
    {
        var (user, password, errors) = await services.GetRequiredService<AccountStore>().CreateUserAsync(userName, null, administrator);
        if (user is null)
        {
            await Console.Error.WriteLineAsync($"The account '{userName}' was not created: {string.Join(" ", errors)}");
            return 1;
        }

        Console.WriteLine($"Created the account '{userName}'{(administrator ? " (administrator)" : "")}. Its password:");
        Console.WriteLine(password);
        return 0;
    }

    private static async Task<int> CreateKeyAsync(IServiceProvider services, string keyName, string userName)
    {
        var store = services.GetRequiredService<AccountStore>();
        if (await store.FindUserAsync(userName) is not { } user)
        {
            await Console.Error.WriteLineAsync($"There is no account '{userName}'. Create it first: scripts/manage users create {userName}");
            return 1;
        }

        var (key, token) = await store.CreateKeyAsync(user.Id, keyName, CancellationToken.None);
        Console.WriteLine($"Created the API key '{key.Name}' (id {key.Id}) for '{userName}'. Send it as 'Authorization: Bearer <key>':");
        Console.WriteLine(token);
        return 0;
    }
}
