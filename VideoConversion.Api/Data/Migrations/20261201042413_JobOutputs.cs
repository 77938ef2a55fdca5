using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoConversion.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class JobOutputs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "OutputFacts",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Outputs",
                table: "jobs",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                // Jobs from before outputs could be chosen made the MP4 alone.
                defaultValue: "mp4");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "OutputFacts",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "Outputs",
                table: "jobs");
        }
    }
}
