using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoConversion.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class MultipartUploads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "MultipartUploadId",
                table: "jobs",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PartSize",
                table: "jobs",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MultipartUploadId",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "PartSize",
                table: "jobs");
        }
    }
}
