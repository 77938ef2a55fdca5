using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Jobs;

/// <summary>
/// A job read by its id with a statement of the API's own (<see cref="RowRead{TEntity}"/>, which says why): untracked, as
/// <see cref="JobLookup.ForStatementAsync"/> and <see cref="Accounts.JobVisibility.FindVisibleAsync"/> read it.
/// </summary>
public static class JobReads
{
    private static readonly ConditionalWeakTable<IModel, Statements> ByModel = [];

    /// <summary>In the database writer's batch (<see cref="RowRead{TEntity}.InBatchByKeyAsync"/>): the job, a deleted one too; null when there is none.</summary>
    public static Task<Job?> ByIdAsync(JobsDbContext db, DbTransaction transaction, string jobId, CancellationToken cancellationToken) =>
        RowRead.For<Job>(db).InBatchByKeyAsync(db, transaction, jobId, cancellationToken);

    /// <summary>
    /// On a connection of the SQLite file's own (<see cref="SqliteReadConnections"/>): the job unless deleted, and only
    /// <paramref name="ownerId"/>'s when given (null: any owner's); null when there is none.
    /// </summary>
    internal static Task<Job?> VisibleAsync(
        JobsDbContext db, SqliteReadConnections.ReadConnection connection, string jobId, string? ownerId, CancellationToken cancellationToken)
    {
        var statements = StatementsFor(db);
        var command = connection.For(statements.Visible);
        command.Parameters.Add(WriterCommands.Parameter(command, statements.Read.Key, statements.Read.KeyParameterName, jobId));
        command.Parameters.Add(WriterCommands.Parameter(command, statements.Owner, statements.OwnerName, ownerId));
        return statements.Read.FirstAsync(command, cancellationToken);
    }

    /// <summary>The SQL of <see cref="ByIdAsync"/> and <see cref="VisibleAsync"/> in <paramref name="db"/>'s model (the tests read it).</summary>
    internal static (string ById, string Visible) SqlFor(JobsDbContext db) => (RowRead.For<Job>(db).ByKey, StatementsFor(db).Visible);

    private static Statements StatementsFor(JobsDbContext db)
    {
        if (!ByModel.TryGetValue(db.Model, out var statements))
        {
            statements = Statements.For(db);
            ByModel.AddOrUpdate(db.Model, statements);
        }

        return statements;
    }

    /// <param name="Visible">
    /// The job by its key (<see cref="RowRead{TEntity}.ByKey"/>, its parameter the read's own), narrowed by
    /// <see cref="Accounts.JobVisibility.VisibleTo"/>'s rule: change both together.
    /// </param>
    private sealed record Statements(RowRead<Job> Read, string Visible, IProperty Owner, string OwnerName)
    {
        public static Statements For(JobsDbContext db)
        {
            var sql = db.GetService<ISqlGenerationHelper>();
            var read = RowRead.For<Job>(db);
            var owner = sql.GenerateParameterNamePlaceholder("owner");
            return new Statements(
                read,
                $"{read.ByKey} AND {read.Column(nameof(Job.DeletedAt))} IS NULL AND ({owner} IS NULL OR {read.Column(nameof(Job.OwnerId))} = {owner})",
                db.Model.FindEntityType(typeof(Job))!.FindProperty(nameof(Job.OwnerId))!, sql.GenerateParameterName("owner"));
        }
    }
}
