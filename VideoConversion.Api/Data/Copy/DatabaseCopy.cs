using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.Api.Data.Copy;

/// <summary>
/// Moves a job database to another one (a SQLite deployment to PostgreSQL): accounts, API keys, jobs in every state, their
/// unsent outbox messages and webhooks, and the Data Protection keys that protect sign-in tokens and webhook secrets, so
/// every key, token and secret keeps working. Rows keep their ids; the copy is one transaction on the target, which must be
/// empty, so a copy that fails leaves nothing behind. Each account's running totals are made again by the target's
/// triggers as its jobs arrive, not copied.
/// </summary>
public sealed class DatabaseCopy(JobsDbContext source, JobsDbContext target, TextWriter log)
{
    /// <summary>Rows written per save: few enough to keep the change tracker small, many enough to send few round trips.</summary>
    private const int BatchSize = 500;

    /// <returns>Rows copied per table.</returns>
    public async Task<IReadOnlyList<(string Table, int Rows)>> CopyAsync(DirectoryInfo? keysDirectory, CancellationToken cancellationToken)
    {
        await RequireKeysForSecretsAsync(keysDirectory, cancellationToken);
        var copied = new List<(string, int)>();
        await using var transaction = await target.Database.BeginTransactionAsync(cancellationToken);
        if (target.Database.IsNpgsql())
        {
            // An API running on the target (the AppHost runs its PostgreSQL server only with the API) waits until the copy
            // commits: nothing it writes can come between the check below and the copy.
            await target.Database.ExecuteSqlRawAsync(
                "LOCK TABLE jobs, api_keys, webhook_endpoints, \"AspNetUsers\" IN SHARE ROW EXCLUSIVE MODE", cancellationToken);
        }

        var firstAdministrator = await RequireEmptyTargetAsync(cancellationToken);
        if (firstAdministrator is not null)
        {
            await ReplaceFirstAdministratorAsync(firstAdministrator, cancellationToken);
        }

        // Parents before children, as the foreign keys require.
        copied.Add(await CopyTableAsync<IdentityRole>(cancellationToken));
        copied.Add(await CopyTableAsync<IdentityUser>(cancellationToken));
        copied.Add(await CopyTableAsync<IdentityUserRole<string>>(cancellationToken));
        copied.Add(await CopyTableAsync<IdentityUserClaim<string>>(cancellationToken));
        copied.Add(await CopyTableAsync<IdentityUserLogin<string>>(cancellationToken));
        copied.Add(await CopyTableAsync<IdentityUserToken<string>>(cancellationToken));
        copied.Add(await CopyTableAsync<IdentityRoleClaim<string>>(cancellationToken));
        copied.Add(await CopyTableAsync<ApiKey>(cancellationToken));
        copied.Add(await CopyTableAsync<Job>(cancellationToken));
        copied.Add(await CopyTableAsync<OutboxMessage>(cancellationToken));
        copied.Add(await CopyTableAsync<WebhookEndpoint>(cancellationToken));
        copied.Add(await CopyTableAsync<WebhookDelivery>(cancellationToken));
        copied.Add(await CopyTableAsync<WebhookAttempt>(cancellationToken));
        copied.Add(await CopyTableAsync<DataProtectionKey>(cancellationToken));
        // Before new rows are added: the keys imported below take ids after the copied ones.
        await RestartIdentitiesAsync(cancellationToken);
        if (keysDirectory is not null)
        {
            copied.Add(await ImportKeysAsync(keysDirectory, cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return copied;
    }

    /// <summary>
    /// Webhook secrets are kept encrypted with the Data Protection keys: without them the copied endpoints could never sign
    /// a delivery again, so a copy that would lose them is refused rather than made.
    /// </summary>
    private async Task RequireKeysForSecretsAsync(DirectoryInfo? keysDirectory, CancellationToken cancellationToken)
    {
        if (keysDirectory is null && await source.WebhookEndpoints.AnyAsync(cancellationToken) && !await source.DataProtectionKeys.AnyAsync(cancellationToken))
        {
            throw new InvalidOperationException(
                "The source has webhook endpoints, whose secrets only its Data Protection keys can read: pass the keys' directory " +
                "with --keys (DataProtection:KeysDirectory, e.g. .data/api/keys or /data/keys).");
        }
    }

    /// <summary>
    /// The target must hold nothing of a deployment, so that nothing there is overwritten or mixed with the copy: no jobs,
    /// keys, webhooks or accounts, but for the one administrator an API makes at its first start on an empty database (the
    /// AppHost starts its PostgreSQL server only with the API, so a local target always has it).
    /// </summary>
    /// <returns>That administrator, to be replaced by the source's accounts; null when the target has no account.</returns>
    private async Task<IdentityUser?> RequireEmptyTargetAsync(CancellationToken cancellationToken)
    {
        var users = await target.Users.AsNoTracking().ToListAsync(cancellationToken);
        // Not one of the source's own accounts: after a first copy, the target holds those, and a second copy is refused.
        var firstAdministrator = users is [var only] && await IsOnlyAdministratorAsync(only, cancellationToken) &&
                                 !await source.Users.AnyAsync(user => user.Id == only.Id, cancellationToken)
            ? only
            : null;
        if (await target.Jobs.AnyAsync(cancellationToken) || await target.ApiKeys.AnyAsync(cancellationToken) ||
            await target.WebhookEndpoints.AnyAsync(cancellationToken) || (users.Count > 0 && firstAdministrator is null))
        {
            throw new InvalidOperationException(
                "The target database already holds jobs or accounts: copy into a new, empty database (the copy creates its tables), " +
                "or one where an API has only made its first administrator, so that nothing there is overwritten or mixed with the copy.");
        }

        return firstAdministrator;
    }

    /// <summary>An administrator and nothing else: no other role, claim, login or token of its own.</summary>
    private async Task<bool> IsOnlyAdministratorAsync(IdentityUser user, CancellationToken cancellationToken)
    {
        var roles = await (from userRole in target.UserRoles
                           join role in target.Roles on userRole.RoleId equals role.Id
                           where userRole.UserId == user.Id
                           select role.Name).ToListAsync(cancellationToken);
        return roles is [Roles.Administrator] &&
               !await target.UserClaims.AnyAsync(claim => claim.UserId == user.Id, cancellationToken) &&
               !await target.UserLogins.AnyAsync(login => login.UserId == user.Id, cancellationToken) &&
               !await target.UserTokens.AnyAsync(token => token.UserId == user.Id, cancellationToken);
    }

    /// <summary>The API's first administrator on the target gives way to the source's accounts (its roles too, whose ids the source's keep).</summary>
    private async Task ReplaceFirstAdministratorAsync(IdentityUser administrator, CancellationToken cancellationToken)
    {
        await target.UserRoles.ExecuteDeleteAsync(cancellationToken);
        await target.AccountUsage.ExecuteDeleteAsync(cancellationToken);
        await target.Users.ExecuteDeleteAsync(cancellationToken);
        await target.RoleClaims.ExecuteDeleteAsync(cancellationToken);
        await target.Roles.ExecuteDeleteAsync(cancellationToken);
        await log.WriteLineAsync($"The target's first administrator '{administrator.UserName}' (made by an API's first start) is replaced by the source's accounts.");
    }

    private async Task<(string Table, int Rows)> CopyTableAsync<TEntity>(CancellationToken cancellationToken)
        where TEntity : class
    {
        var table = target.Model.FindEntityType(typeof(TEntity))?.GetTableName() ?? typeof(TEntity).Name;
        var rows = 0;
        var batch = new List<TEntity>(BatchSize);
        await foreach (var row in source.Set<TEntity>().AsNoTracking().AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            batch.Add(row);
            if (batch.Count == BatchSize)
            {
                rows += await SaveAsync(batch, cancellationToken);
            }
        }

        rows += await SaveAsync(batch, cancellationToken);
        await log.WriteLineAsync($"{table}: {rows} rows");
        return (table, rows);
    }

    private async Task<int> SaveAsync<TEntity>(List<TEntity> batch, CancellationToken cancellationToken)
        where TEntity : class
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        target.Set<TEntity>().AddRange(batch);
        // Saved inside the copy's transaction; the context's own gate is the write gate of this process alone.
        await target.SaveChangesHoldingGateAsync(cancellationToken);
        target.ChangeTracker.Clear();
        var count = batch.Count;
        batch.Clear();
        return count;
    }

    /// <summary>
    /// A SQLite deployment keeps its Data Protection keys as files (DataProtection:KeysDirectory); PostgreSQL keeps them in
    /// the database, where every replica reads them. Named as the database store names them (the file's name, no extension).
    /// </summary>
    private async Task<(string Table, int Rows)> ImportKeysAsync(DirectoryInfo directory, CancellationToken cancellationToken)
    {
        if (!directory.Exists)
        {
            throw new InvalidOperationException($"The keys directory '{directory.FullName}' does not exist.");
        }

        var files = directory.GetFiles("*.xml");
        // A key the target already holds (one an API keeps there: "key-{id}", as the file's name) is not added twice: a
        // key ring with one id twice refuses to protect anything.
        var held = (await target.DataProtectionKeys.Select(key => key.FriendlyName).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        foreach (var file in files.Where(file => !held.Contains(Path.GetFileNameWithoutExtension(file.Name))))
        {
            target.DataProtectionKeys.Add(new DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(file.Name),
                Xml = await File.ReadAllTextAsync(file.FullName, cancellationToken),
            });
        }

        await target.SaveChangesHoldingGateAsync(cancellationToken);
        target.ChangeTracker.Clear();
        await log.WriteLineAsync($"data_protection_keys (from {directory.FullName}): {files.Length} keys");
        return ("data_protection_keys (files)", files.Length);
    }

    /// <summary>
    /// Rows kept their ids, which the target's identity columns did not hand out: each column's next id is set past the
    /// largest copied, so the next row the API adds does not collide with a copied one.
    /// </summary>
    private async Task RestartIdentitiesAsync(CancellationToken cancellationToken)
    {
        if (!target.Database.IsNpgsql())
        {
            return;
        }

        foreach (var entity in target.Model.GetEntityTypes())
        {
            var table = entity.GetTableName();
            foreach (var key in entity.FindPrimaryKey()?.Properties ?? [])
            {
                if (table is null || key.ValueGenerated != Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.OnAdd ||
                    (key.ClrType != typeof(int) && key.ClrType != typeof(long)))
                {
                    continue;
                }

                var column = key.GetColumnName();
                // Identifiers from the model, not from input; quoted as PostgreSQL quotes them.
#pragma warning disable EF1002 // Table and column names come from our own model.
                await target.Database.ExecuteSqlRawAsync(
                    $"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), COALESCE((SELECT max(\"{column}\") FROM \"{table}\"), 0) + 1, false)",
                    cancellationToken);
#pragma warning restore EF1002
            }
        }
    }
}
