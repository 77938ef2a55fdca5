using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// An upload whose event never reaches the API (storage could not reach the broker, or notifications are off) still
/// starts: POST /jobs asks storage itself.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class LostUploadEventTests(FaultSystemFixture system) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-lost-event-");

    [Fact]
    public async Task An_upload_whose_event_is_lost_is_started_by_post_jobs_from_what_storage_holds()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1);
        string jobId;
        // Storage's events now go nowhere: the broker drops what its exchange cannot route.
        await using (await UploadEventRoute.CutAsync(system))
        {
            var upload = await _api.RequestUploadAsync("unannounced.avi", sizeBytes: new FileInfo(input).Length);
            jobId = upload.GetProperty("job_id").GetString()!;
            await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);

            // Nothing recorded: whatever storage sent went nowhere.
            var job = await _api.GetJobAsync(jobId);
            Assert.Equal("AWAITING_UPLOAD", job.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, job.GetProperty("uploaded_at").ValueKind);

            // Still unbound, so nothing but this call can start it.
            using var submitted = await _api.SubmitAsync(jobId);
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            Assert.Equal("PENDING", (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        var (done, seen) = await _api.WaitForOutcomeAsync(jobId, Timeout);
        Assert.True(done.GetProperty("status").GetString() == "DONE", $"statuses: {string.Join(" → ", seen)}");
        Assert.Equal(new FileInfo(input).Length, done.GetProperty("input_bytes").GetInt64());
    }

    public void Dispose() => _work.Delete(recursive: true);
}
