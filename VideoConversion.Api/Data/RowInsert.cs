using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.ValueGeneration;

namespace VideoConversion.Api.Data;

/// <summary>
/// A new row written by an INSERT of the database writer's own (<see cref="WriterCommands"/>), not by EF's SaveChanges:
/// every mapped column of the entity, but a key the database numbers. For entities nothing reads back on insert (no
/// column the database fills but that key) and no SaveChanges interceptor records anything for (the webhook recorder
/// looks at changed jobs only). Triggers run on it as on EF's.
/// </summary>
/// <remarks>
/// Only plain rows: an entity type with a column EF or the database would fill (a default, a computed column, a key of
/// EF's generating), a shadow property, an owned or complex part, or a type hierarchy is refused when its statement is
/// built, not written differently from what SaveChanges would write.
/// </remarks>
public static class RowInsert
{
    private static readonly ConditionalWeakTable<IEntityType, Statement> ByEntityType = [];

    /// <summary>Inserts <paramref name="entity"/>'s row in the database writer's batch. The entity must not be tracked by <paramref name="db"/>.</summary>
    public static async Task WriteAsync<TEntity>(JobsDbContext db, TEntity entity, CancellationToken cancellationToken)
        where TEntity : class
    {
        var transaction = WriterCommands.TransactionOf(db);
        RefuseTracked(db, entity);
        var statement = StatementFor(db, entity.GetType());
        var inserted = await WriterCommands.Bind(WriterCommands.For(db, transaction, statement.Sql), statement.Properties, statement.Names, entity)
            .ExecuteNonQueryAsync(cancellationToken);
        if (inserted != 1)
        {
            // As SaveChanges would: a statement that did not write its one row is not taken for a write.
            throw new DbUpdateException($"The insert of a {typeof(TEntity).Name} wrote {inserted} rows instead of one.");
        }
    }

    /// <summary>Throws when <paramref name="entity"/> is tracked by <paramref name="db"/>: its tracked copy would be inserted again by the run's next SaveChanges.</summary>
    public static void RefuseTracked<TEntity>(JobsDbContext db, TEntity entity)
        where TEntity : class
    {
        if (TrackedEntries.Any<TEntity>(db, tracked => ReferenceEquals(tracked, entity)))
        {
            throw new InvalidOperationException($"This {typeof(TEntity).Name} is tracked: a row written by a statement is of an untracked entity.");
        }
    }

    /// <summary>
    /// The same INSERT for a row that is written only if <paramref name="source"/> yields one (a data-modifying WITH's
    /// RETURNING, on PostgreSQL): <c>INSERT INTO … (…) SELECT @{prefix}0, … FROM {source}</c>. Its values are converted to
    /// their columns' types as a VALUES list's are (the parameters are typed by EF's mapping, as in <see cref="WriteAsync"/>).
    /// </summary>
    /// <param name="prefix">The parameters' prefix, which no parameter of the statement it joins may start with.</param>
    internal static SelectedInsert SelectedFrom(JobsDbContext db, Type type, string source, string prefix)
    {
        var statement = StatementFor(db, type);
        var sql = db.GetService<ISqlGenerationHelper>();
        var values = statement.Properties.Select((_, i) => sql.GenerateParameterNamePlaceholder($"{prefix}{i}"));
        return new SelectedInsert(
            $"{statement.Into} SELECT {string.Join(", ", values)} FROM {source}", statement.Properties,
            statement.Properties.Select((_, i) => sql.GenerateParameterName($"{prefix}{i}")).ToList());
    }

    /// <summary>An INSERT … SELECT of <see cref="SelectedFrom"/>, and the properties behind its parameters with their names, in order, for <see cref="WriterCommands.Bind"/>.</summary>
    internal sealed record SelectedInsert(string Sql, IReadOnlyList<IProperty> Properties, IReadOnlyList<string> Names);

    /// <summary>The INSERT's SQL for rows of <paramref name="type"/> in <paramref name="db"/>'s model (the tests read it).</summary>
    /// <exception cref="NotSupportedException">A row of the type is not one a statement of its columns writes as SaveChanges would.</exception>
    internal static string SqlFor(JobsDbContext db, Type type) => StatementFor(db, type).Sql;

    private static Statement StatementFor(JobsDbContext db, Type type)
    {
        var entityType = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not an entity of the jobs database.");
        if (!ByEntityType.TryGetValue(entityType, out var statement))
        {
            statement = Statement.For(db, entityType);
            ByEntityType.AddOrUpdate(entityType, statement);
        }

        return statement;
    }

    /// <summary>The INSERT's SQL and the properties behind its parameters, for one entity type of one model (a provider's).</summary>
    /// <param name="Into">The statement up to its values: <c>INSERT INTO table (columns)</c>.</param>
    private sealed record Statement(string Sql, string Into, IReadOnlyList<IProperty> Properties, IReadOnlyList<string> Names)
    {
        public static Statement For(JobsDbContext db, IEntityType entityType)
        {
            Refuse(entityType, db.GetService<IValueGeneratorSelector>());
            var sql = db.GetService<ISqlGenerationHelper>();
            var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
            // A key the database numbers is left to it (the outbox's: its messages are published in that order).
            var properties = entityType.GetProperties().Where(property => property.ValueGenerated == ValueGenerated.Never).ToList();
            var into = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} " +
                $"({string.Join(", ", properties.Select(property => sql.DelimitIdentifier(property.GetColumnName(table)!)))})";
            var insert = $"{into} VALUES ({string.Join(", ", properties.Select((_, i) => sql.GenerateParameterNamePlaceholder($"p{i}")))})";
            return new Statement(insert, into, properties, properties.Select((_, i) => sql.GenerateParameterName($"p{i}")).ToList());
        }

        /// <summary>Throws for an entity type whose row SaveChanges would write otherwise than every column as the entity holds it.</summary>
        private static void Refuse(IEntityType entityType, IValueGeneratorSelector generators)
        {
            var name = entityType.DisplayName();
            var table = entityType.GetTableName();
            if (table is null || entityType.BaseType is not null || entityType.GetDirectlyDerivedTypes().Any() || entityType.IsOwned()
                || entityType.GetMappingFragments().Any()
                || entityType.Model.GetEntityTypes().Any(other => other != entityType && other.GetTableName() == table && other.GetSchema() == entityType.GetSchema()))
            {
                throw new NotSupportedException($"{name}: a row of a table of its own, not of a type hierarchy, an owner or a split or shared table, is inserted by a statement.");
            }

            if (entityType.GetComplexProperties().Any() || entityType.GetNavigations().Any(navigation => navigation.TargetEntityType.IsOwned()))
            {
                throw new NotSupportedException($"{name} has complex or owned parts, which a statement of its own columns would leave out.");
            }

            foreach (var property in entityType.GetProperties())
            {
                if (property.IsShadowProperty())
                {
                    throw new NotSupportedException($"{name}.{property.Name} is a shadow property: the entity does not hold its value.");
                }

                // Generated values are left to the database: only a key it numbers (an identity, SQLite's rowid), for which
                // EF itself has only a temporary value (not a Guid, a HiLo sequence, a generator of the model's).
                var numberedKey = property.IsPrimaryKey() && property.ValueGenerated == ValueGenerated.OnAdd
                    && (!generators.TrySelect(property, entityType, out var generator) || generator is null or { GeneratesTemporaryValues: true });
                if (property.ValueGenerated != ValueGenerated.Never && !numberedKey)
                {
                    throw new NotSupportedException($"{name}.{property.Name} is filled by EF or the database ({property.ValueGenerated}), which a statement would not do.");
                }
            }
        }
    }
}
