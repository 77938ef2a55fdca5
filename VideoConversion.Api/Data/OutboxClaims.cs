using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace VideoConversion.Api.Data;

/// <summary>
/// Outbox messages read under row locks that other transactions skip (PostgreSQL's <c>FOR UPDATE SKIP LOCKED</c>, which
/// EF's LINQ cannot say): what an API replica's dispatcher claims, and a job's unsent messages a cancel removes.
/// </summary>
/// <remarks>
/// Their columns are named, from EF's mapping (<see cref="RowRead{TEntity}"/>'s list, the writer's own reads' too), never
/// <c>SELECT *</c>. The API's connections keep their statements prepared (<see cref="JobDatabase.AutoPreparedStatements"/>),
/// and PostgreSQL fails a prepared statement whose result changed shape (<c>0A000</c>, "cached plan must not change result
/// type"): a column a newer version's migration adds to the outbox, during a rolling upgrade, would otherwise fail every
/// old replica's claims and cancels once per connection.
/// </remarks>
public static class OutboxClaims
{
    /// <summary>
    /// The statements' text, built once per model apart from the <c>FromSqlRaw</c> calls: the text holds only identifiers
    /// from EF's mapping, its values are parameters, and EF's analyzer (EF1002) refuses an interpolated string at the call.
    /// </summary>
    private static readonly ConditionalWeakTable<IModel, Statements> ByModel = [];

    /// <summary>The oldest <paramref name="count"/> messages no other transaction holds, held by this one until it ends.</summary>
    public static IQueryable<OutboxMessage> Oldest(JobsDbContext db, int count) =>
        db.Outbox.FromSqlRaw(For(db).Oldest, count);

    /// <summary>
    /// The messages of <paramref name="jobId"/> for <paramref name="queue"/> no other transaction holds, held by this one until it
    /// ends (outside a transaction, by the statement alone: a row claimed after the read is waited for at the caller's delete,
    /// which then finds it gone, a concurrent change, or removes it).
    /// </summary>
    public static IQueryable<OutboxMessage> OfJob(JobsDbContext db, string jobId, string queue) =>
        db.Outbox.FromSqlRaw(For(db).OfJob, jobId, queue);

    private static Statements For(JobsDbContext db)
    {
        if (!ByModel.TryGetValue(db.Model, out var statements))
        {
            statements = Statements.For(db);
            ByModel.AddOrUpdate(db.Model, statements);
        }

        return statements;
    }

    /// <param name="Oldest">Its parameter {0}: how many.</param>
    /// <param name="OfJob">Its parameters {0}: the job's id, {1}: the queue.</param>
    private sealed record Statements(string Oldest, string OfJob)
    {
        public static Statements For(JobsDbContext db)
        {
            var read = RowRead.For<OutboxMessage>(db);
            var rows = $"{read.Select} {read.From}";
            return new Statements(
                $"{rows} ORDER BY {read.Column(nameof(OutboxMessage.Id))} LIMIT {{0}} FOR UPDATE SKIP LOCKED",
                $"{rows} WHERE {read.Column(nameof(OutboxMessage.JobId))} = {{0}} AND {read.Column(nameof(OutboxMessage.Queue))} = {{1}} FOR UPDATE SKIP LOCKED");
        }
    }
}
