using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.Copy;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// "manage users create NAME [--admin]" and "manage keys create NAME --user USER": accounts and keys
/// for operators and scripts (scripts/manage), made in the job database directly, so they work with
/// or without the API running. The secret is printed alone on the last line.
/// "manage database copy --from SQLITE [--keys DIR]" moves a SQLite deployment's database into the configured one
/// (PostgreSQL), which must be empty.
/// </summary>
public static class ManageCommand
{
    public const string Name = "manage";

    private const string Usage = """
        usage: VideoConversion.Api manage users create NAME [--admin]
               VideoConversion.Api manage keys create NAME --user USER
               VideoConversion.Api manage database copy --from "Data Source=/path/jobs.db" [--keys DIRECTORY]
        (the database from ConnectionStrings__jobs and Database__Provider; the secret is printed alone on the last line;
         copy moves a SQLite database, and with --keys its Data Protection keys' directory, into that database, which must be empty)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var command = args switch
        {
            [Name, "users", "create", var user] => (Func<IServiceProvider, Task<int>>)(services => CreateUserAsync(services, user, administrator: false)),
            [Name, "users", "create", var user, "--admin"] => services => CreateUserAsync(services, user, administrator: true),
            [Name, "keys", "create", var key, "--user", var user] => services => CreateKeyAsync(services, key, user),
            [Name, "database", "copy", "--from", var from] => services => CopyDatabaseAsync(services, from, keys: null),
            [Name, "database", "copy", "--from", var from, "--keys", var keys] => services => CopyDatabaseAsync(services, from, keys),
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

    private static async Task<int> CopyDatabaseAsync(IServiceProvider services, string from, string? keys)
    {
        var target = services.GetRequiredService<JobsDbContext>();
        var options = new DbContextOptionsBuilder<JobsDbContext>().UseSqlite(from).Options;
        await using var source = new JobsDbContext(options, new DatabaseWriteGate());
        var sourceFile = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(from).DataSource;
        if (!File.Exists(sourceFile))
        {
            await Console.Error.WriteLineAsync($"There is no SQLite database at '{sourceFile}'.");
            return 1;
        }

        // No API may write the file while it is copied: what it accepted meanwhile would be missing from the copy.
        await using var held = SingleApiProcess.TryHold(sourceFile);
        if (held is null)
        {
            await Console.Error.WriteLineAsync($"Nothing was copied: an API process is running on '{sourceFile}'. Stop it first, so that nothing it accepts is left behind.");
            return 1;
        }

        // The source is brought to this version's schema first, as the API would at its start.
        await source.Database.MigrateAsync();
        try
        {
            var copied = await new DatabaseCopy(source, target, Console.Out)
                .CopyAsync(keys is null ? null : new DirectoryInfo(keys), CancellationToken.None);
            Console.WriteLine($"Copied {copied.Sum(table => table.Rows)} rows into {services.GetRequiredService<JobDatabase>().Describe()}.");
            // An API already running there read its Data Protection keys at its start; the copied ones it reads when restarted.
            Console.WriteLine("Start (or restart) the API on it now: the copied sign-in keys and webhook secrets are read at start.");
            return 0;
        }
        catch (InvalidOperationException problem)
        {
            await Console.Error.WriteLineAsync($"Nothing was copied: {problem.Message}");
            return 1;
        }
    }
}
