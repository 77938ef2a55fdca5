using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace VideoConversion.Api.Data;

/// <summary>
/// A new row written by an INSERT of the database writer's own (<see cref="WriterCommands"/>), not by EF's SaveChanges:
/// every mapped column of the entity, but a key the database numbers. For entities nothing reads back on insert (no
/// column the database fills but that key) and no SaveChanges interceptor records anything for (the webhook recorder
/// looks at changed jobs only). Triggers run on it as on EF's.
/// </summary>
public static class RowInsert
{
    private static readonly ConditionalWeakTable<IEntityType, Statement> ByEntityType = [];

    /// <summary>Inserts <paramref name="entity"/>'s row in the database writer's batch. The entity must not be tracked by <paramref name="db"/>.</summary>
    public static async Task WriteAsync<TEntity>(JobsDbContext db, TEntity entity, CancellationToken cancellationToken)
        where TEntity : class
    {
        var transaction = WriterCommands.TransactionOf(db);
        if (TrackedEntries.Any<TEntity>(db, tracked => ReferenceEquals(tracked, entity)))
        {
            // Its tracked copy would be inserted again by the run's next SaveChanges.
            throw new InvalidOperationException($"This {typeof(TEntity).Name} is tracked: a row written by a statement is of an untracked entity.");
        }

        var statement = ByEntityType.GetValue(db.Model.FindEntityType(typeof(TEntity))!, entityType => Statement.For(db, entityType));
        await WriterCommands.Bind(WriterCommands.For(db, transaction, statement.Sql), statement.Properties, statement.Names, entity)
            .ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The INSERT's SQL and the properties behind its parameters, for one entity type of one model (a provider's).</summary>
    private sealed record Statement(string Sql, IReadOnlyList<IProperty> Properties, IReadOnlyList<string> Names)
    {
        public static Statement For(JobsDbContext db, IEntityType entityType)
        {
            var sql = db.GetService<ISqlGenerationHelper>();
            var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
            var properties = entityType.GetProperties()
                .Where(property => !(property.IsPrimaryKey() && property.ValueGenerated != ValueGenerated.Never))
                .ToList();
            var insert = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} " +
                $"({string.Join(", ", properties.Select(property => sql.DelimitIdentifier(property.GetColumnName(table)!)))}) " +
                $"VALUES ({string.Join(", ", properties.Select((_, i) => sql.GenerateParameterNamePlaceholder($"p{i}")))})";
            return new Statement(insert, properties, properties.Select((_, i) => sql.GenerateParameterName($"p{i}")).ToList());
        }
    }
}
