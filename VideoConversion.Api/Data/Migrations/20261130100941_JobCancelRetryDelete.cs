using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoConversion.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class JobCancelRetryDelete : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "DeletedAt",
                table: "jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Runs",
                table: "jobs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DeletedAt",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "Runs",
                table: "jobs");
        }
    }
}
