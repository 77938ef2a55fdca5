using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// On a start with no administrator, creates the configured one, so a new installation can be
/// signed in to at once. Its password comes from configuration (the AppHost generates it and keeps
/// it in user secrets; Kubernetes from a Secret); it is never written to a log. Replicas starting together create it once:
/// the check and the creation are one transaction holding a lock (PostgreSQL), so the second replica finds it made.
/// </summary>
public static partial class AdministratorBootstrap
{
    public static async Task EnsureAdministratorAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var options = scope.ServiceProvider.GetRequiredService<IOptions<AccountOptions>>().Value;
        var store = scope.ServiceProvider.GetRequiredService<AccountStore>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdministratorBootstrap));
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        // SQLite: one API process, nothing to race with; PostgreSQL: the check and the creation under one lock.
        await using var step = db.Database.IsNpgsql() ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        await TransactionLock.TakeAsync(db, "administrator-bootstrap", cancellationToken);
        if (await store.AnyAdministratorAsync(cancellationToken))
        {
            return;
        }

        if (string.IsNullOrEmpty(options.AdministratorPassword))
        {
            LogNoAdministrator(logger);
            return;
        }

        var (_, _, errors) = await store.CreateUserAsync(options.AdministratorUserName, options.AdministratorPassword, administrator: true);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"The administrator '{options.AdministratorUserName}' could not be created: {string.Join(" ", errors)}");
        }

        if (step is not null)
        {
            await step.CommitAsync(cancellationToken);
        }

        LogAdministratorCreated(logger, options.AdministratorUserName);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Administrator {UserName} created with the configured password")]
    private static partial void LogAdministratorCreated(ILogger logger, string userName);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No administrator exists and Accounts:AdministratorPassword is not set: create one with scripts/manage users create NAME --admin")]
    private static partial void LogNoAdministrator(ILogger logger);
}
