using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoConversion.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class AccountUsageTotals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "account_usage",
                columns: table => new
                {
                    OwnerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ActiveJobs = table.Column<int>(type: "INTEGER", nullable: false),
                    StoredBytes = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_account_usage", x => x.OwnerId);
                });

            // Each account's running totals, kept in the same transaction as every change of its jobs, whoever makes it
            // (EF, a set-based update, another process): a quota check reads one row, not every job the account has had.
            // active(r) and stored(r) are AccountUsage.CountAsync's definitions, written out.
            const string Active = "(CASE WHEN {0}.\"Status\" IN ('AwaitingUpload', 'Pending', 'Processing') THEN 1 ELSE 0 END)";
            const string Stored = "((CASE WHEN {0}.\"InputDeletedAt\" IS NULL THEN COALESCE({0}.\"InputBytes\", {0}.\"DeclaredBytes\", 0) ELSE 0 END) + " +
                "(CASE WHEN {0}.\"OutputDeletedAt\" IS NULL THEN COALESCE({0}.\"OutputBytes\", 0) ELSE 0 END))";
            string Of(string row, string expression) => string.Format(System.Globalization.CultureInfo.InvariantCulture, expression, row);
            string Add(string row) => $"""
                INSERT INTO "account_usage" ("OwnerId", "ActiveJobs", "StoredBytes")
                SELECT {row}."OwnerId", {Of(row, Active)}, {Of(row, Stored)} WHERE {row}."OwnerId" IS NOT NULL
                ON CONFLICT ("OwnerId") DO UPDATE SET "ActiveJobs" = "ActiveJobs" + excluded."ActiveJobs", "StoredBytes" = "StoredBytes" + excluded."StoredBytes";
                """;
            string Subtract(string row) => $"""
                UPDATE "account_usage" SET "ActiveJobs" = "ActiveJobs" - {Of(row, Active)}, "StoredBytes" = "StoredBytes" - {Of(row, Stored)}
                WHERE "OwnerId" = {row}."OwnerId";
                """;
            migrationBuilder.Sql($"""
                CREATE TRIGGER "{Quotas.AccountUsageTriggers.Insert}" AFTER INSERT ON "jobs"
                BEGIN
                {Add("NEW")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "{Quotas.AccountUsageTriggers.Update}"
                AFTER UPDATE OF "Status", "InputBytes", "DeclaredBytes", "OutputBytes", "InputDeletedAt", "OutputDeletedAt", "OwnerId" ON "jobs"
                BEGIN
                {Subtract("OLD")}
                {Add("NEW")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "{Quotas.AccountUsageTriggers.Delete}" AFTER DELETE ON "jobs"
                BEGIN
                {Subtract("OLD")}
                END;
                """);
            // The accounts' jobs so far.
            migrationBuilder.Sql($"""
                INSERT INTO "account_usage" ("OwnerId", "ActiveJobs", "StoredBytes")
                SELECT "OwnerId", SUM({Of("jobs", Active)}), SUM({Of("jobs", Stored)}) FROM "jobs" WHERE "OwnerId" IS NOT NULL GROUP BY "OwnerId";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var trigger in Quotas.AccountUsageTriggers.All)
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS \"{trigger}\";");
            }

            migrationBuilder.DropTable(
                name: "account_usage");
        }
    }
}
