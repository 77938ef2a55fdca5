using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Jobs;

/// <summary>
/// A job read by its id to be changed: the database writer's commands read one on nearly every hot write (compiled,
/// <see cref="CompiledQueryPerModel{TQuery}"/>).
/// </summary>
public static class JobLookup
{
    private static readonly CompiledQueryPerModel<Func<JobsDbContext, string, CancellationToken, Task<Job?>>> Tracked = new(() =>
        EF.CompileAsyncQuery((JobsDbContext db, string jobId, CancellationToken _) => db.Jobs.SingleOrDefault(job => job.Id == jobId)));

    private static readonly CompiledQueryPerModel<Func<JobsDbContext, string, CancellationToken, Task<Job?>>> Untracked = new(() =>
        EF.CompileAsyncQuery((JobsDbContext db, string jobId, CancellationToken _) => db.Jobs.AsNoTracking().SingleOrDefault(job => job.Id == jobId)));

    /// <summary>
    /// The job, tracked by <paramref name="db"/>, or null when there is none; a deleted job too (its row is kept, and a
    /// late report still meets it). Unlike <c>FindAsync</c> it never answers from the change tracker; on the writer's
    /// context, emptied after every write, <c>FindAsync</c> went to the database anyway.
    /// </summary>
    public static Task<Job?> ForChangeAsync(JobsDbContext db, string jobId, CancellationToken cancellationToken) =>
        Tracked.For(db)(db, jobId, cancellationToken);

    /// <summary>
    /// The job as <see cref="ForChangeAsync"/> reads it, but not tracked: for a change written by statements of its own
    /// (<see cref="SubmissionStatements"/>), which a later SaveChanges of the same context must not write again. In the
    /// database writer's batch, by a statement of the writer's own (<see cref="JobReads.ByIdAsync"/>).
    /// </summary>
    public static Task<Job?> ForStatementAsync(JobsDbContext db, string jobId, CancellationToken cancellationToken) =>
        WriterCommands.BatchTransactionOf(db) is { } transaction
            ? JobReads.ByIdAsync(db, transaction, jobId, cancellationToken)
            : Untracked.For(db)(db, jobId, cancellationToken);
}
