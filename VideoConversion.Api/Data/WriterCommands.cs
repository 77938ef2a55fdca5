using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace VideoConversion.Api.Data;

/// <summary>
/// Statements of the database writer's own, run on its connection and transaction instead of through EF's SaveChanges,
/// for the hot writes (<see cref="RowInsert"/>, <see cref="Jobs.SubmissionStatements"/>). Why: profiled under 32 clients
/// submitting, SaveChanges was ~16 % of the API's CPU and more than half of the writer lane's time per write (the
/// modification commands, their parameters and SQL built again for every save, and SQLite parsing that SQL again), on the
/// lane every write waits for. Their SQL is built once per model from EF's own mapping, and each SQLite connection keeps
/// its commands, so SQLite prepares each once; PostgreSQL's connections keep their statements prepared themselves (Npgsql's
/// automatic preparation, by the statement's SQL).
/// </summary>
public static class WriterCommands
{
    /// <summary>The commands of each SQLite writer connection, by their SQL: kept with it, so SQLite keeps their prepared statements.</summary>
    /// <remarks>A connection is used by one lane, one write at a time: its dictionary is never used from two threads at once.</remarks>
    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, DbCommand>> ByConnection = [];

    /// <summary>The transaction of the database writer's batch that <paramref name="db"/> writes in.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="db"/> is not the writer's context inside its batch.</exception>
    public static DbTransaction TransactionOf(JobsDbContext db) =>
        BatchTransactionOf(db) ?? throw new InvalidOperationException("The writer's own statements run inside the database writer's batch, on its transaction.");

    /// <summary>The transaction of the database writer's batch that <paramref name="db"/> writes in; null outside one.</summary>
    public static DbTransaction? BatchTransactionOf(JobsDbContext db) =>
        db.WriteGate == DatabaseWriteGate.HeldByWriter ? db.Database.CurrentTransaction?.GetDbTransaction() : null;

    /// <summary>
    /// The command for <paramref name="sql"/> on the transaction's connection (on SQLite made at its first use there and
    /// kept; on PostgreSQL a new one), enlisted in the transaction, with no parameters yet.
    /// </summary>
    public static DbCommand For(JobsDbContext db, DbTransaction transaction, string sql)
    {
        var connection = transaction.Connection!;
        if (connection is not SqliteConnection)
        {
            // PostgreSQL: a new command every time. Npgsql keeps a connection's statements prepared by their SQL, whatever
            // the command (Max Auto Prepare, JobDatabase); once it has prepared a command, it no longer reads its SQL and
            // keeps the parameter objects it had then, so parameters replaced later are not sent: kept commands, bound
            // anew, inserted the row of the run they were prepared on again and again.
            var fresh = NewCommand(db, connection, sql);
            fresh.Transaction = transaction;
            return fresh;
        }

        var commands = ByConnection.GetValue(connection, _ => []);
        if (!commands.TryGetValue(sql, out var command))
        {
            command = NewCommand(db, connection, sql);
            commands.Add(sql, command);
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    private static DbCommand NewCommand(JobsDbContext db, DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        if (db.Database.GetCommandTimeout() is { } seconds)
        {
            command.CommandTimeout = seconds;
        }

        return command;
    }

    /// <summary>Adds a parameter for each property's value in <paramref name="entity"/>, named by <paramref name="names"/> in order.</summary>
    public static DbCommand Bind(DbCommand command, IReadOnlyList<IProperty> properties, IReadOnlyList<string> names, object entity)
    {
        for (var i = 0; i < properties.Count; i++)
        {
            command.Parameters.Add(Parameter(command, properties[i], names[i], properties[i].GetGetter().GetClrValue(entity)));
        }

        return command;
    }

    /// <summary>A parameter as EF makes it for the property: its converter applied, its provider type set.</summary>
    public static DbParameter Parameter(DbCommand command, IProperty property, string name, object? value) =>
        property.GetRelationalTypeMapping().CreateParameter(command, name, value, property.IsNullable);
}
