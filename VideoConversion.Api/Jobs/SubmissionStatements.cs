using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Jobs;

/// <summary>
/// A job's submission (its move to PENDING, and its queue message into the outbox) written by two statements of its own
/// on the database writer's connection, instead of by EF's SaveChanges. Why: profiled under 32 clients submitting,
/// SaveChanges was ~16 % of the API's CPU and more than half of the writer lane's time per submission (the modification
/// commands, their parameters and SQL built again for every save, and SQLite parsing that SQL again), on the lane every
/// write waits for. These statements are built once per model from EF's own mapping (table, columns, value converters,
/// parameters), and each connection keeps its commands, so SQLite prepares them once.
/// </summary>
/// <remarks>
/// The UPDATE carries EF's optimistic concurrency check, the job's <see cref="Job.Version"/> as it was read: a job changed
/// since (its upload recorded, a cancel, another submission) updates no row, nothing is written, and the caller decides
/// again on the job as it is now (where SaveChanges would throw). It writes every
/// column a submission changes (<see cref="JobColumns"/>; a unit test holds <see cref="Job.Submit"/> and
/// <see cref="Job.ChooseOutputs"/> to them). The account-usage triggers run on it as on EF's; the move to PENDING
/// announces no webhook event (<see cref="Webhooks.WebhookEventTypes.For"/>), so the webhook recorder, which runs inside
/// SaveChanges, has nothing to record.
/// </remarks>
public static class SubmissionStatements
{
    /// <summary>The job's columns a submission writes: everything <see cref="Job.Submit"/> and <see cref="Job.ChooseOutputs"/> change.</summary>
    public static IReadOnlyList<string> JobColumns { get; } =
    [
        nameof(Job.Status), nameof(Job.InputBytes), nameof(Job.InputETag), nameof(Job.SubmittedAt), nameof(Job.UploadedAt),
        nameof(Job.Outputs), nameof(Job.UpdatedAt), nameof(Job.Version),
    ];

    private static readonly ConditionalWeakTable<IModel, Statements> ByModel = [];

    /// <summary>The commands of each writer connection: kept with it, so SQLite keeps their prepared statements.</summary>
    private static readonly ConditionalWeakTable<DbConnection, Commands> ByConnection = [];

    /// <summary>
    /// Writes <paramref name="job"/>'s submission (already made on it, <see cref="Job.Submit"/>) and its queue message, in the
    /// database writer's batch; false, with nothing written, when the job changed since it was read. <paramref name="job"/>
    /// must not be tracked by <paramref name="db"/> (<see cref="JobLookup.ForStatementAsync"/>): the tracked copy would go
    /// stale, and fail the next SaveChanges of the run.
    /// </summary>
    /// <param name="readVersion">The job's version when it was read, before the submission changed it.</param>
    public static async Task<bool> TryWriteAsync(JobsDbContext db, Job job, int readVersion, OutboxMessage message, CancellationToken cancellationToken)
    {
        if (db.WriteGate != DatabaseWriteGate.HeldByWriter || db.Database.CurrentTransaction?.GetDbTransaction() is not { } transaction)
        {
            throw new InvalidOperationException("A submission's statements run inside the database writer's batch, on its transaction.");
        }

        if (TrackedEntries.Any<Job>(db, tracked => tracked.Id == job.Id))
        {
            // Its tracked copy would go stale here, and fail the version check of the run's next SaveChanges.
            throw new InvalidOperationException($"Job {job.Id} is tracked: a submission written by statements is of a job read untracked.");
        }

        if (!ByModel.TryGetValue(db.Model, out var statements))
        {
            statements = Statements.For(db);
            ByModel.AddOrUpdate(db.Model, statements);
        }

        var connection = transaction.Connection!;
        if (!ByConnection.TryGetValue(connection, out var commands))
        {
            commands = new Commands(connection, statements, db.Database.GetCommandTimeout());
            ByConnection.AddOrUpdate(connection, commands);
        }

        var update = Bind(commands.Update, transaction, statements.JobProperties, statements.Names, job);
        update.Parameters.Add(Parameter(update, statements.JobId, statements.IdName, job.Id));
        update.Parameters.Add(Parameter(update, statements.JobVersion, statements.ReadVersionName, readVersion));
        if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return false;
        }

        await Bind(commands.Insert, transaction, statements.OutboxProperties, statements.Names, message).ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    /// <summary>The command on the batch's transaction, with a parameter for each property's value in <paramref name="entity"/>.</summary>
    private static DbCommand Bind(DbCommand command, DbTransaction transaction, IReadOnlyList<IProperty> properties, IReadOnlyList<string> names, object entity)
    {
        command.Transaction = transaction;
        command.Parameters.Clear();
        for (var i = 0; i < properties.Count; i++)
        {
            command.Parameters.Add(Parameter(command, properties[i], names[i], properties[i].GetGetter().GetClrValue(entity)));
        }

        return command;
    }

    /// <summary>A parameter as EF makes it for the property: its converter applied, its provider type set.</summary>
    private static DbParameter Parameter(DbCommand command, IProperty property, string name, object? value) =>
        ((RelationalTypeMapping)property.GetTypeMapping()).CreateParameter(command, name, value, property.IsNullable);

    /// <summary>The statements' SQL and the properties behind their parameters, for one model (a provider's).</summary>
    /// <param name="Names">The parameters' names, "p0" onwards as the provider writes them ("@p0"), in the order of either list.</param>
    private sealed record Statements(
        string UpdateSql, IReadOnlyList<IProperty> JobProperties, IProperty JobId, IProperty JobVersion,
        string InsertSql, IReadOnlyList<IProperty> OutboxProperties, IReadOnlyList<string> Names, string IdName, string ReadVersionName)
    {
        public static Statements For(JobsDbContext db)
        {
            var sql = db.GetService<ISqlGenerationHelper>();
            var jobType = db.Model.FindEntityType(typeof(Job))!;
            var jobTable = StoreObjectIdentifier.Table(jobType.GetTableName()!, jobType.GetSchema());
            var jobProperties = JobColumns.Select(name => jobType.FindProperty(name)!).ToList();
            var id = jobType.FindProperty(nameof(Job.Id))!;
            var version = jobType.FindProperty(nameof(Job.Version))!;
            string Column(IProperty property, StoreObjectIdentifier table) => sql.DelimitIdentifier(property.GetColumnName(table)!);

            var assignments = jobProperties.Select((property, i) => $"{Column(property, jobTable)} = {sql.GenerateParameterNamePlaceholder($"p{i}")}");
            var update = $"UPDATE {sql.DelimitIdentifier(jobTable.Name, jobTable.Schema)} SET {string.Join(", ", assignments)} " +
                $"WHERE {Column(id, jobTable)} = {sql.GenerateParameterNamePlaceholder("id")} " +
                $"AND {Column(version, jobTable)} = {sql.GenerateParameterNamePlaceholder("read_version")}";

            // Every column of the message but its id, which the database numbers (in order: the outbox is published so).
            var outboxType = db.Model.FindEntityType(typeof(OutboxMessage))!;
            var outboxTable = StoreObjectIdentifier.Table(outboxType.GetTableName()!, outboxType.GetSchema());
            var outboxProperties = outboxType.GetProperties().Where(property => !property.IsPrimaryKey()).ToList();
            var insert = $"INSERT INTO {sql.DelimitIdentifier(outboxTable.Name, outboxTable.Schema)} " +
                $"({string.Join(", ", outboxProperties.Select(property => Column(property, outboxTable)))}) " +
                $"VALUES ({string.Join(", ", outboxProperties.Select((_, i) => sql.GenerateParameterNamePlaceholder($"p{i}")))})";
            var names = Enumerable.Range(0, Math.Max(jobProperties.Count, outboxProperties.Count)).Select(i => sql.GenerateParameterName($"p{i}")).ToList();
            return new Statements(
                update, jobProperties, id, version, insert, outboxProperties, names, sql.GenerateParameterName("id"), sql.GenerateParameterName("read_version"));
        }
    }

    /// <summary>One connection's commands, used by its lane alone, one write at a time.</summary>
    private sealed class Commands(DbConnection connection, Statements statements, int? timeoutSeconds)
    {
        public DbCommand Update { get; } = Create(connection, statements.UpdateSql, timeoutSeconds);

        public DbCommand Insert { get; } = Create(connection, statements.InsertSql, timeoutSeconds);

        private static DbCommand Create(DbConnection connection, string sql, int? timeoutSeconds)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            if (timeoutSeconds is { } seconds)
            {
                command.CommandTimeout = seconds;
            }

            return command;
        }
    }
}
