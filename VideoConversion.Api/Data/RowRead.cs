using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.EntityFrameworkCore.Storage;

namespace VideoConversion.Api.Data;

/// <summary>
/// An entity read by a SELECT of its own, run prepared (a command kept with its SQLite connection, <see cref="WriterCommands"/>
/// and <see cref="SqliteReadConnections"/>; on PostgreSQL the connection's statement, prepared by Npgsql), instead of by
/// an EF query, for the API's hottest reads. Why: an EF query, even a compiled one, makes a new command each time, and
/// SQLite parses its SQL again: reading one job that way took about 60 µs, and a prepared statement on an open connection
/// about 15 µs (32 clients' reads and writes share 2 cores here). The columns and the entity made from a row are built
/// once per entity type of a model from EF's own mapping: each column read as EF reads it (its type mapping's reader
/// method, then its value converter), each value stored where EF stores it.
/// </summary>
/// <remarks>
/// Only plain rows, as <see cref="RowInsert"/>'s: an entity type with a shadow property, an owned or complex part, a type
/// hierarchy, a query filter or a service property is refused when its read is built. The entity is new and untracked, as a no-tracking query makes it.
/// </remarks>
public sealed class RowRead<TEntity>
    where TEntity : class
{
    private readonly Func<DbDataReader, TEntity> _materialize;

    private readonly Dictionary<string, string> _columns;

    private RowRead(string select, string from, Dictionary<string, string> columns, Func<DbDataReader, TEntity> materialize, IProperty key, ISqlGenerationHelper sql)
    {
        _columns = columns;
        Select = select;
        From = from;
        _materialize = materialize;
        Key = key;
        KeyParameterName = sql.GenerateParameterName("key");
        ByKey = $"{select} {from} WHERE {columns[key.Name]} = {sql.GenerateParameterNamePlaceholder("key")}";
    }

    /// <summary>"SELECT" and every mapped column, in the order the entity is made from them.</summary>
    public string Select { get; }

    /// <summary>"FROM" and the entity's table.</summary>
    public string From { get; }

    /// <summary>The entity's key (a single property): what <see cref="ByKey"/> finds a row by.</summary>
    public IProperty Key { get; }

    /// <summary>The parameter of <see cref="ByKey"/>, as the provider names it ("@key").</summary>
    public string KeyParameterName { get; }

    /// <summary>The row whose key is the parameter <see cref="KeyParameterName"/>: <see cref="Select"/>, <see cref="From"/> and the key's WHERE.</summary>
    public string ByKey { get; }

    /// <summary>
    /// <see cref="ByKey"/>'s row (null when there is none), on the database writer's connection in its batch
    /// (<see cref="WriterCommands"/>: prepared there).
    /// </summary>
    public Task<TEntity?> InBatchByKeyAsync(JobsDbContext db, DbTransaction transaction, object key, CancellationToken cancellationToken)
    {
        var command = WriterCommands.For(db, transaction, ByKey);
        command.Parameters.Add(WriterCommands.Parameter(command, Key, KeyParameterName, key));
        return FirstAsync(command, cancellationToken);
    }

    /// <summary>The column of the property named <paramref name="propertyName"/>, delimited as the provider writes it.</summary>
    public string Column(string propertyName) => _columns[propertyName];

    /// <summary>The first row of <paramref name="command"/>'s answer as a new entity; null when it has none.</summary>
    public Task<TEntity?> FirstAsync(DbCommand command, CancellationToken cancellationToken) => FirstAsync(command, 0, cancellationToken);

    /// <summary>The first row of the answer that follows <paramref name="answersBefore"/> others in <paramref name="command"/>'s, as a new entity; null when it has none.</summary>
    /// <param name="answersBefore">The answers of the command's statements before the read's, passed over.</param>
    public async Task<TEntity?> FirstAsync(DbCommand command, int answersBefore, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        for (var answer = 0; answer < answersBefore; answer++)
        {
            if (!await reader.NextResultAsync(cancellationToken))
            {
                throw new InvalidOperationException($"The command answered {answer + 1} time(s), not {answersBefore + 1}: {command.CommandText}");
            }
        }

        return await reader.ReadAsync(cancellationToken) ? _materialize(reader) : null;
    }

    internal static RowRead<TEntity> Build(JobsDbContext db, IEntityType entityType)
    {
        Refuse(entityType);
        var sql = db.GetService<ISqlGenerationHelper>();
        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        var properties = entityType.GetProperties().ToList();
        var columns = properties.ToDictionary(property => property.Name, property => sql.DelimitIdentifier(property.GetColumnName(table)!));
        var key = entityType.FindPrimaryKey() is { Properties: [var single] } ? single
            : throw new NotSupportedException($"{entityType.DisplayName()}: a row found by a key of one column is read by a statement.");
        return new RowRead<TEntity>(
            $"SELECT {string.Join(", ", properties.Select(property => columns[property.Name]))}", $"FROM {sql.DelimitIdentifier(table.Name, table.Schema)}",
            columns, Materializer(entityType, properties), key, sql);
    }

    /// <summary>reader => new TEntity { each property = its column, read and converted as EF does }.</summary>
    private static Func<DbDataReader, TEntity> Materializer(IEntityType entityType, List<IProperty> properties)
    {
        var constructor = typeof(TEntity).GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes)
            ?? throw new NotSupportedException($"{entityType.DisplayName()} has no parameterless constructor to make it from a row.");
        var reader = Expression.Parameter(typeof(DbDataReader), "reader");
        var entity = Expression.Variable(typeof(TEntity), "entity");
        var isNull = typeof(DbDataReader).GetMethod(nameof(DbDataReader.IsDBNull), [typeof(int)])!;
        var body = new List<Expression> { Expression.Assign(entity, Expression.New(constructor)) };
        for (var ordinal = 0; ordinal < properties.Count; ordinal++)
        {
            var property = properties[ordinal];
            var mapping = property.GetRelationalTypeMapping();
            var target = Target(entity, property);
            var column = Expression.Constant(ordinal);

            // As EF's shaper reads it: the mapping's reader method for the provider's type, then the value converter.
            Expression value = mapping.CustomizeDataReaderExpression(Expression.Call(reader, mapping.GetDataReaderMethod(), column));
            var providerType = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
            value = Convert(value, Nullable.GetUnderlyingType(providerType) ?? providerType);
            if (mapping.Converter is { } converter)
            {
                var fromProvider = converter.ConvertFromProviderExpression;
                value = ReplacingExpressionVisitor.Replace(fromProvider.Parameters[0], Convert(value, fromProvider.Parameters[0].Type), fromProvider.Body);
            }

            value = Convert(value, target.Type);
            if (property.IsNullable)
            {
                value = Expression.Condition(Expression.Call(reader, isNull, column), Expression.Default(target.Type), value);
            }

            body.Add(Expression.Assign(target, value));
        }

        body.Add(entity);
        return Expression.Lambda<Func<DbDataReader, TEntity>>(Expression.Block([entity], body), reader).Compile();
    }

    /// <summary>
    /// Where EF stores the property's value when it makes an entity: its backing field, or the property. A read-only field
    /// (an init-only auto-property's) is stored through the property's init accessor, which stores exactly that field.
    /// </summary>
    private static MemberExpression Target(ParameterExpression entity, IProperty property) =>
        property.GetMemberInfo(forMaterialization: true, forSet: true) switch
        {
            FieldInfo { IsInitOnly: false } field => Expression.Field(entity, field),
            FieldInfo when property.PropertyInfo is { CanWrite: true } withSetter => Expression.Property(entity, withSetter),
            PropertyInfo { CanWrite: true } settable => Expression.Property(entity, settable),
            _ => throw new NotSupportedException($"{property.DeclaringType.DisplayName()}.{property.Name} has neither a writable field nor a setter."),
        };

    private static Expression Convert(Expression value, Type type) => value.Type == type ? value : Expression.Convert(value, type);

    /// <summary>Throws for an entity type whose rows a SELECT of its columns would not make as EF does.</summary>
    private static void Refuse(IEntityType entityType)
    {
        var name = entityType.DisplayName();
        if (entityType.GetTableName() is null || entityType.BaseType is not null || entityType.GetDirectlyDerivedTypes().Any() || entityType.IsOwned()
            || entityType.GetMappingFragments().Any() || entityType.ClrType != typeof(TEntity))
        {
            throw new NotSupportedException($"{name}: a row of a table of its own, not of a type hierarchy, an owner or a split table, is read by a statement.");
        }

        if (entityType.GetComplexProperties().Any() || entityType.GetNavigations().Any(navigation => navigation.TargetEntityType.IsOwned()))
        {
            throw new NotSupportedException($"{name} has complex or owned parts, which a statement of its own columns would leave out.");
        }

        if (entityType.GetDeclaredQueryFilters().Count > 0 || entityType.GetServiceProperties().Any())
        {
            throw new NotSupportedException($"{name} has a query filter or a service property, which a statement of its own columns would not apply.");
        }

        if (entityType.GetProperties().FirstOrDefault(property => property.IsShadowProperty()) is { } shadow)
        {
            throw new NotSupportedException($"{name}.{shadow.Name} is a shadow property: the entity has nowhere to hold its value.");
        }
    }
}

/// <summary>The reads of <see cref="RowRead{TEntity}"/>, one per entity type of each model.</summary>
public static class RowRead
{
    private static readonly ConditionalWeakTable<IEntityType, object> ByEntityType = [];

    /// <summary>The read of <typeparamref name="TEntity"/> in <paramref name="db"/>'s model (built at its first use with it).</summary>
    /// <exception cref="NotSupportedException">The type's rows are not plain rows of a table of their own.</exception>
    public static RowRead<TEntity> For<TEntity>(JobsDbContext db)
        where TEntity : class
    {
        var entityType = db.Model.FindEntityType(typeof(TEntity)) ?? throw new InvalidOperationException($"{typeof(TEntity).Name} is not an entity of the jobs database.");
        if (!ByEntityType.TryGetValue(entityType, out var read))
        {
            read = RowRead<TEntity>.Build(db, entityType);
            ByEntityType.AddOrUpdate(entityType, read);
        }

        return (RowRead<TEntity>)read;
    }
}
