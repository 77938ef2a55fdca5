using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using VideoConversion.Api.Data;
using VideoConversion.Api.Quotas;

namespace VideoConversion.Api.Jobs;

/// <summary>
/// A job's submission (its move to PENDING, and its queue message into the outbox) written by statements of the database
/// writer's own (<see cref="WriterCommands"/>, which says why): an UPDATE of the columns a submission changes, and the
/// message's <see cref="RowInsert"/>.
/// </summary>
/// <remarks>
/// The UPDATE carries EF's optimistic concurrency check, the job's <see cref="Job.Version"/> as it was read: a job changed
/// since (its upload recorded, a cancel, another submission) updates no row, nothing is written, and the caller decides
/// again on the job as it is now (where SaveChanges would throw). It writes every
/// column a submission changes (<see cref="JobColumns"/>; a unit test holds <see cref="Job.Submit"/> and
/// <see cref="Job.ChooseOutputs"/> to them). The account-usage triggers run on it as on EF's; the move to PENDING
/// announces no webhook event (<see cref="Webhooks.WebhookEventTypes.For"/>), so the webhook recorder, which runs inside
/// SaveChanges, has nothing to record.
/// On PostgreSQL the two are one statement, one round trip to the server instead of two, on the lane that runs an
/// account's writes one after another: the UPDATE in a WITH, and the INSERT of the message selected from the row it
/// returns, so the message is written exactly when the job is (<c>WITH submitted AS (UPDATE … RETURNING 1) INSERT INTO
/// outbox … SELECT … FROM submitted</c>). SQLite, in process, has no round trip to save (and no UPDATE in a WITH).
/// </remarks>
public static class SubmissionStatements
{
    /// <summary>The job's columns a submission writes: everything <see cref="Job.Submit"/> and <see cref="Job.ChooseOutputs"/> change.</summary>
    public static IReadOnlyList<string> JobColumns { get; } =
    [
        nameof(Job.Status), nameof(Job.InputBytes), nameof(Job.InputETag), nameof(Job.SubmittedAt), nameof(Job.UploadedAt),
        nameof(Job.Outputs), nameof(Job.UpdatedAt), nameof(Job.Version),
    ];

    private static readonly ConditionalWeakTable<IModel, Statement> ByModel = [];

    /// <summary>
    /// Writes <paramref name="job"/>'s submission (already made on it, <see cref="Job.Submit"/>) and its queue message, in the
    /// database writer's batch; false, with nothing written, when the job changed since it was read. <paramref name="job"/>
    /// must not be tracked by <paramref name="db"/> (<see cref="JobLookup.ForStatementAsync"/>): the tracked copy would go
    /// stale, and fail the next SaveChanges of the run.
    /// </summary>
    /// <param name="readVersion">The job's version when it was read, before the submission changed it.</param>
    public static Task<bool> TryWriteAsync(JobsDbContext db, Job job, int readVersion, OutboxMessage message, CancellationToken cancellationToken) =>
        TryWriteAsync(db, job, readVersion, message, quota: null, cancellationToken);

    /// <summary>
    /// As <see cref="TryWriteAsync(JobsDbContext, Job, int, OutboxMessage, CancellationToken)"/>, with the account's storage
    /// quota checked by the statement itself (<see cref="QuotaCheckSql"/>, PostgreSQL only): false, with nothing written,
    /// also when the upload's bytes would pass it. The caller then tells the two apart by reading the job and the totals.
    /// </summary>
    /// <param name="quota">The upload's bytes added to the job's account (<see cref="QuotaCheck.AddedBytes"/>); null: no check here.</param>
    public static async Task<bool> TryWriteAsync(
        JobsDbContext db, Job job, int readVersion, OutboxMessage message, QuotaCheck? quota, CancellationToken cancellationToken)
    {
        var transaction = WriterCommands.TransactionOf(db);
        RefuseTracked(db, job);
        var statement = ByModel.GetValue(db.Model, _ => Statement.For(db));
        if (quota is not null)
        {
            return await QuotaCheckSql.WroteAsync(WithinQuota(db, statement, job, readVersion, message, quota, withLock: true), cancellationToken);
        }

        if (statement.WithMessage is not { } together)
        {
            // The message's INSERT refuses a tracked message itself.
            if (await statement.CommandWithJob(db, transaction, statement.Sql, job, readVersion).ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return false;
            }

            await RowInsert.WriteAsync(db, message, cancellationToken);
            return true;
        }

        // The rows the statement inserted (the server's reply counts the INSERT's, not the WITH's): the message's one when the job's
        // UPDATE matched, else none, and nothing was written. That holds while nothing on the outbox table can skip a row
        // (no trigger or rule there: the migrations make none).
        return await Together(db, statement, together, job, readVersion, message).ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// PostgreSQL: the submission and its message as one statement to send ahead with the locks of its account's group
    /// (<see cref="DatabaseWriter"/>), which hold the account's lock and the job's row already; with <paramref name="quota"/>
    /// checked as <see cref="TryWriteAsync(JobsDbContext, Job, int, OutboxMessage, QuotaCheck?, CancellationToken)"/>'s. It
    /// writes the message's row exactly when it writes the job's (its count of rows: one or none). Null elsewhere.
    /// </summary>
    public static DbCommand? StatementAhead(JobsDbContext db, Job job, int readVersion, OutboxMessage message, QuotaCheck? quota)
    {
        if (!db.Database.IsNpgsql())
        {
            return null;
        }

        RefuseTracked(db, job);
        var statement = ByModel.GetValue(db.Model, _ => Statement.For(db));
        return quota is not null
            ? WithinQuota(db, statement, job, readVersion, message, quota, withLock: false)
            : Together(db, statement, statement.WithMessage!, job, readVersion, message);
    }

    /// <summary>Refuses a job <paramref name="db"/> tracks: its tracked copy would go stale here, and fail the version check of the run's next SaveChanges.</summary>
    private static void RefuseTracked(JobsDbContext db, Job job)
    {
        if (TrackedEntries.Any<Job>(db, tracked => tracked.Id == job.Id))
        {
            throw new InvalidOperationException($"Job {job.Id} is tracked: a submission written by statements is of a job read untracked.");
        }
    }

    /// <summary>PostgreSQL's one statement of the submission and its message (<see cref="Statement.WithMessage"/>), bound.</summary>
    private static DbCommand Together(
        JobsDbContext db, Statement statement, RowInsert.SelectedInsert together, Job job, int readVersion, OutboxMessage message)
    {
        RowInsert.RefuseTracked(db, message);
        var both = statement.CommandWithJob(db, WriterCommands.TransactionOf(db), together.Sql, job, readVersion);
        return WriterCommands.Bind(both, together.Properties, together.Names, message);
    }

    /// <summary>The submission and its message if the account has room for the upload's bytes; after the account's lock when <paramref name="withLock"/>.</summary>
    private static DbCommand WithinQuota(
        JobsDbContext db, Statement statement, Job job, int readVersion, OutboxMessage message, QuotaCheck quota, bool withLock)
    {
        if (statement is not { WithinQuota: { } withinQuota, WithinQuotaAfterLock: { } afterLock, WithMessage: { } messageInsert }
            || quota.AddsActiveJob || quota.AddedBytes is null)
        {
            throw new InvalidOperationException("A submission's statement checks the stored bytes it adds, on PostgreSQL only.");
        }

        RowInsert.RefuseTracked(db, message);
        var command = WriterCommands.Bind(
            statement.CommandWithJob(db, WriterCommands.TransactionOf(db), withLock ? afterLock : withinQuota, job, readVersion),
            messageInsert.Properties, messageInsert.Names, message);
        QuotaCheckSql.Bind(command, db, quota, withLock);
        return command;
    }

    /// <summary>The UPDATE's SQL and the properties behind its parameters, for one model (a provider's).</summary>
    /// <param name="Names">The parameters' names, "p0" onwards as the provider writes them ("@p0"), in the order of <paramref name="Properties"/>.</param>
    /// <param name="WithMessage">PostgreSQL's statement of the UPDATE and the message's INSERT together, and the message's parameters; null on SQLite.</param>
    /// <param name="WithinQuota">
    /// PostgreSQL's <paramref name="WithMessage"/> statement whose UPDATE also needs the account's room for the upload's
    /// bytes (<see cref="QuotaCheckSql"/>), and which returns the message's row; null on SQLite.
    /// </param>
    /// <param name="WithinQuotaAfterLock">The account's lock and <paramref name="WithinQuota"/>, one command of two statements; null on SQLite.</param>
    private sealed record Statement(
        string Sql, IReadOnlyList<IProperty> Properties, IProperty JobId, IProperty JobVersion, IReadOnlyList<string> Names, string IdName, string ReadVersionName,
        RowInsert.SelectedInsert? WithMessage, string? WithinQuota, string? WithinQuotaAfterLock)
    {
        /// <summary>The command of <paramref name="sql"/> (the UPDATE, or the statement of both) with the job's parameters bound.</summary>
        public DbCommand CommandWithJob(JobsDbContext db, DbTransaction transaction, string sql, Job job, int readVersion)
        {
            var command = WriterCommands.Bind(WriterCommands.For(db, transaction, sql), Properties, Names, job);
            command.Parameters.Add(WriterCommands.Parameter(command, JobId, IdName, job.Id));
            command.Parameters.Add(WriterCommands.Parameter(command, JobVersion, ReadVersionName, readVersion));
            return command;
        }

        public static Statement For(JobsDbContext db)
        {
            var sql = db.GetService<ISqlGenerationHelper>();
            var jobType = db.Model.FindEntityType(typeof(Job))!;
            var jobTable = StoreObjectIdentifier.Table(jobType.GetTableName()!, jobType.GetSchema());
            var jobProperties = JobColumns.Select(name => jobType.FindProperty(name)!).ToList();
            var id = jobType.FindProperty(nameof(Job.Id))!;
            var version = jobType.FindProperty(nameof(Job.Version))!;
            string Column(IProperty property) => sql.DelimitIdentifier(property.GetColumnName(jobTable)!);

            var assignments = jobProperties.Select((property, i) => $"{Column(property)} = {sql.GenerateParameterNamePlaceholder($"p{i}")}");
            var update = $"UPDATE {sql.DelimitIdentifier(jobTable.Name, jobTable.Schema)} SET {string.Join(", ", assignments)} " +
                $"WHERE {Column(id)} = {sql.GenerateParameterNamePlaceholder("id")} " +
                $"AND {Column(version)} = {sql.GenerateParameterNamePlaceholder("read_version")}";
            var names = jobProperties.Select((_, i) => sql.GenerateParameterName($"p{i}")).ToList();
            RowInsert.SelectedInsert? withMessage = null;
            string? withinQuota = null;
            string? withinQuotaAfterLock = null;
            if (db.Database.IsNpgsql())
            {
                // The message's parameters are "m0" onwards, apart from the UPDATE's ("p0" onwards, "id", "read_version") and
                // the quota check's ("quota_…").
                var insert = RowInsert.SelectedFrom(db, typeof(OutboxMessage), "submitted", "m");
                withMessage = insert with { Sql = $"WITH submitted AS ({update} RETURNING 1) {insert.Sql}" };
                var room = QuotaCheckSql.Room(db, addsActiveJob: false, addsBytes: true);
                withinQuota = $"WITH submitted AS ({update} AND EXISTS (SELECT 1 FROM {room}) RETURNING 1) {insert.Sql} RETURNING 1";
                withinQuotaAfterLock = $"{QuotaCheckSql.Lock}; {withinQuota}";
            }

            return new Statement(
                update, jobProperties, id, version, names, sql.GenerateParameterName("id"), sql.GenerateParameterName("read_version"), withMessage, withinQuota, withinQuotaAfterLock);
        }
    }
}
