using VideoConversion.Contracts.Storage;
using VideoConversion.Api.Storage;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Tests.Support;

/// <summary>A system's multipart uploads as storage holds them, read behind the API's back: what an abort or the sweeper really left.</summary>
public static class StoredMultipartUploads
{
    /// <summary>The storage upload id the API recorded for the job; null when it has none (never begun, completed or aborted).</summary>
    public static async Task<string?> MultipartUploadIdAsync(this SystemFixture system, string jobId)
    {
        await using var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={system.JobDatabasePath};Mode=ReadOnly");
        await database.OpenAsync();
        await using var command = database.CreateCommand();
        command.CommandText = "SELECT MultipartUploadId FROM jobs WHERE Id = $id";
        command.Parameters.AddWithValue("$id", jobId);
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>Multipart uploads as the API drives them, with its own storage credentials, over <paramref name="http"/> (the caller's to dispose).</summary>
    public static Task<MultipartUploads> ApiMultipartUploadsAsync(this SystemFixture system, HttpClient http) =>
        system.MultipartUploadsAsync(SystemFixture.ApiService, StorageNames.InputBucket, http);

    /// <summary>Multipart uploads into <paramref name="bucket"/> with the storage credentials the running <paramref name="service"/> holds.</summary>
    public static async Task<MultipartUploads> MultipartUploadsAsync(this SystemFixture system, string service, string bucket, HttpClient http)
    {
        var connection = StorageConnection.Parse((await system.App.EnvironmentAsync(service))["ConnectionStrings__storage"], "storage");
        return new MultipartUploads(http, connection, connection.Endpoint, TimeProvider.System, bucket);
    }
}
