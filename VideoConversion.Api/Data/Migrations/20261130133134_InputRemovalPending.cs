using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoConversion.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class InputRemovalPending : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "InputRemovalPending",
                table: "jobs",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "IX_jobs_InputDeletedAt",
                table: "jobs",
                column: "InputDeletedAt",
                filter: "\"InputRemovalPending\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_jobs_InputDeletedAt",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "InputRemovalPending",
                table: "jobs");
        }
    }
}
