using VideoConversion.Api.Quotas;

namespace VideoConversion.Api.Data.PostgreSQL;

/// <summary>
/// PostgreSQL's account_usage triggers: the same totals as SQLite's (the AccountUsageTotals migration there,
/// <see cref="AccountUsage.CountAsync"/> their definition), kept in the same transaction as every change of a job, whoever
/// makes it. One row-level function serves the three triggers; their names are <see cref="AccountUsageTriggers"/>', which the
/// API requires at start.
/// </summary>
public static class AccountUsageTriggerSql
{
    private const string Function = "jobs_account_usage";

    public static string Create { get; } = $$"""
        CREATE FUNCTION "{{Function}}"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $body$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') AND OLD."OwnerId" IS NOT NULL THEN
                UPDATE "account_usage"
                SET "ActiveJobs" = "account_usage"."ActiveJobs" - {{Active("OLD")}},
                    "StoredBytes" = "account_usage"."StoredBytes" - {{Stored("OLD")}}
                WHERE "OwnerId" = OLD."OwnerId";
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND NEW."OwnerId" IS NOT NULL THEN
                INSERT INTO "account_usage" ("OwnerId", "ActiveJobs", "StoredBytes")
                VALUES (NEW."OwnerId", {{Active("NEW")}}, {{Stored("NEW")}})
                ON CONFLICT ("OwnerId") DO UPDATE
                SET "ActiveJobs" = "account_usage"."ActiveJobs" + excluded."ActiveJobs",
                    "StoredBytes" = "account_usage"."StoredBytes" + excluded."StoredBytes";
            END IF;
            RETURN NULL;
        END
        $body$;
        CREATE TRIGGER "{{AccountUsageTriggers.Insert}}" AFTER INSERT ON "jobs"
            FOR EACH ROW EXECUTE FUNCTION "{{Function}}"();
        CREATE TRIGGER "{{AccountUsageTriggers.Update}}"
            AFTER UPDATE OF "Status", "InputBytes", "DeclaredBytes", "OutputBytes", "InputDeletedAt", "OutputDeletedAt", "OwnerId" ON "jobs"
            FOR EACH ROW EXECUTE FUNCTION "{{Function}}"();
        CREATE TRIGGER "{{AccountUsageTriggers.Delete}}" AFTER DELETE ON "jobs"
            FOR EACH ROW EXECUTE FUNCTION "{{Function}}"();
        """;

    public static string Drop { get; } = $"""
        DROP TRIGGER IF EXISTS "{AccountUsageTriggers.Insert}" ON "jobs";
        DROP TRIGGER IF EXISTS "{AccountUsageTriggers.Update}" ON "jobs";
        DROP TRIGGER IF EXISTS "{AccountUsageTriggers.Delete}" ON "jobs";
        DROP FUNCTION IF EXISTS "{Function}"();
        """;

    /// <summary>1 for a job that holds one of the account's active places.</summary>
    private static string Active(string row) =>
        $"(CASE WHEN {row}.\"Status\" IN ('AwaitingUpload', 'Pending', 'Processing') THEN 1 ELSE 0 END)";

    /// <summary>The bytes a job keeps in storage: its input until removed, its outputs until removed.</summary>
    private static string Stored(string row) =>
        $"((CASE WHEN {row}.\"InputDeletedAt\" IS NULL THEN COALESCE({row}.\"InputBytes\", {row}.\"DeclaredBytes\", 0) ELSE 0 END) + " +
        $"(CASE WHEN {row}.\"OutputDeletedAt\" IS NULL THEN COALESCE({row}.\"OutputBytes\", 0) ELSE 0 END))";
}
