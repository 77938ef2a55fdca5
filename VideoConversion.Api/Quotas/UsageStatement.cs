using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Quotas;

/// <summary>
/// The SELECT of an account's totals (<see cref="AccountUsage.OfAsync"/>) in the database writer's batch, for one model (a
/// provider's), built from EF's mapping of <see cref="AccountUsageTotals"/>: its active jobs, then its stored bytes.
/// </summary>
internal sealed record UsageStatement(string Sql, IProperty OwnerId, string OwnerIdName)
{
    private static readonly ConditionalWeakTable<IModel, UsageStatement> ByModel = [];

    public static UsageStatement For(JobsDbContext db)
    {
        if (!ByModel.TryGetValue(db.Model, out var statement))
        {
            statement = Build(db);
            ByModel.AddOrUpdate(db.Model, statement);
        }

        return statement;
    }

    private static UsageStatement Build(JobsDbContext db)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var usage = db.Model.FindEntityType(typeof(AccountUsageTotals))!;
        var table = StoreObjectIdentifier.Table(usage.GetTableName()!, usage.GetSchema());
        string Column(string property) => sql.DelimitIdentifier(usage.FindProperty(property)!.GetColumnName(table)!);

        var select = $"SELECT {Column(nameof(AccountUsageTotals.ActiveJobs))}, {Column(nameof(AccountUsageTotals.StoredBytes))} " +
            $"FROM {sql.DelimitIdentifier(table.Name, table.Schema)} " +
            $"WHERE {Column(nameof(AccountUsageTotals.OwnerId))} = {sql.GenerateParameterNamePlaceholder("owner")}";
        return new UsageStatement(select, usage.FindProperty(nameof(AccountUsageTotals.OwnerId))!, sql.GenerateParameterName("owner"));
    }
}
