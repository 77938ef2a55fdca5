using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// The jobs a caller may see: its own; an administrator, all; a deleted one, no one. Every job read goes
/// through this, so another owner's job is simply not found (404, exactly as an unknown id).
/// </summary>
public static class JobVisibility
{
    /// <remarks>
    /// The rule is stated again in <see cref="FindVisibleAsync"/>'s compiled query and in <see cref="JobReads"/>' SQL: change
    /// all three together.
    /// </remarks>
    public static IQueryable<Job> VisibleTo(this IQueryable<Job> jobs, ClaimsPrincipal caller)
    {
        var kept = jobs.Where(job => job.DeletedAt == null);
        if (caller.IsAdministrator())
        {
            return kept;
        }

        var owner = caller.AccountId();
        return kept.Where(job => job.OwnerId == owner);
    }

    /// <summary>
    /// One job as <see cref="VisibleTo"/> shows it to <paramref name="caller"/>, not tracked, or null: what the API's busiest
    /// calls read (GET /jobs/{id}, POST /jobs, the /uploads/{job_id} calls). On a SQLite file, by a statement prepared once
    /// on a connection kept open for it (<see cref="JobReads.VisibleAsync"/>); otherwise (PostgreSQL, a read inside a
    /// transaction, every such connection busy) by a compiled query (<see cref="CompiledQueryPerModel{TQuery}"/>).
    /// Both state VisibleTo's rule again: they cannot take the caller, which SQL does not know.
    /// </summary>
    public static Task<Job?> FindVisibleAsync(this JobsDbContext db, ClaimsPrincipal caller, string jobId, CancellationToken cancellationToken)
    {
        var ownerId = caller.IsAdministrator() ? null : caller.AccountId();
        if (db.Database.IsSqlite() && db.Database.CurrentTransaction is null && db.WriteGate != DatabaseWriteGate.HeldByWriter
            && db.Database.GetConnectionString() is { } connectionString && SqliteReadConnections.For(connectionString) is { } connections)
        {
            return connections.ReadAsync(
                connection => JobReads.VisibleAsync(db, connection, jobId, ownerId, cancellationToken),
                () => Visible.For(db)(db, jobId, ownerId, cancellationToken));
        }

        return Visible.For(db)(db, jobId, ownerId, cancellationToken);
    }

    /// <summary>The job unless deleted; only the owner's when <c>ownerId</c> is given (null: an administrator's read, any owner's).</summary>
    private static readonly CompiledQueryPerModel<Func<JobsDbContext, string, string?, CancellationToken, Task<Job?>>> Visible = new(() =>
        EF.CompileAsyncQuery((JobsDbContext db, string jobId, string? ownerId, CancellationToken _) =>
            db.Jobs.AsNoTracking().SingleOrDefault(job => job.Id == jobId && job.DeletedAt == null && (ownerId == null || job.OwnerId == ownerId))));
}
