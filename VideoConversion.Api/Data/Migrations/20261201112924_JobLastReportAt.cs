using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoConversion.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class JobLastReportAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastReportAt",
                table: "jobs",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastReportAt",
                table: "jobs");
        }
    }
}
