using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// Making accounts and keys, for the API's endpoints, the first start and scripts/manage alike, so
/// each is made one way whoever asks.
/// </summary>
public sealed class AccountStore(UserManager<IdentityUser> users, RoleManager<IdentityRole> roles, JobsDbContext db, TimeProvider time)
{
    /// <summary>Creates an account; a null password gets a generated one, returned so it can be shown once.</summary>
    /// <returns>The account and its password, or the reasons Identity refused it.</returns>
    public async Task<(IdentityUser? User, string? Password, IReadOnlyList<string> Errors)> CreateUserAsync(
        string userName, string? password, bool administrator)
    {
        var user = new IdentityUser(userName);
        password ??= PasswordGenerator.New();
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return (null, null, created.Errors.Select(error => error.Description).ToList());
        }

        if (administrator)
        {
            await EnsureRoleAsync(Roles.Administrator);
            var granted = await users.AddToRoleAsync(user, Roles.Administrator);
            if (!granted.Succeeded)
            {
                return (null, null, granted.Errors.Select(error => error.Description).ToList());
            }
        }

        return (user, password, []);
    }

    /// <summary>A new key for <paramref name="userId"/>; the returned token is the only copy of its secret.</summary>
    public async Task<(ApiKey Key, string Token)> CreateKeyAsync(string userId, string name, CancellationToken cancellationToken)
    {
        var (id, token, hash) = ApiKeyToken.Create();
        var key = new ApiKey { Id = id, UserId = userId, Name = name, SecretHash = hash, CreatedAt = time.GetUtcNow() };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return (key, token);
    }

    public Task<IdentityUser?> FindUserAsync(string userName) => users.FindByNameAsync(userName);

    public async Task<bool> AnyAdministratorAsync(CancellationToken cancellationToken) =>
        await roles.FindByNameAsync(Roles.Administrator) is { } role &&
        await db.UserRoles.AnyAsync(userRole => userRole.RoleId == role.Id, cancellationToken);

    private async Task EnsureRoleAsync(string name)
    {
        if (!await roles.RoleExistsAsync(name))
        {
            await roles.CreateAsync(new IdentityRole(name));
        }
    }
}
