using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Contracts.Storage;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// Jobs start when their upload lands: storage announces each upload to the broker (here the S3 stand-in, publishing
/// MinIO's event records as MinIO's AMQP target does), and the API records it and starts the job.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class UploadEventTests(SystemFixture system) : IDisposable
{
    private static readonly TimeSpan ConversionTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-upload-events-");

    [Fact]
    public async Task An_upload_converts_with_no_call_to_post_jobs()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var upload = await _api.RequestUploadAsync("no-submit.avi", sizeBytes: new FileInfo(input).Length);
        Assert.Equal("upload", upload.GetProperty("start").GetString());
        var jobId = upload.GetProperty("job_id").GetString()!;

        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);

        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, ConversionTimeout);
        Assert.True(job.GetProperty("status").GetString() == "DONE", $"statuses: {string.Join(" → ", seen)}; error {job.GetProperty("error")}");
        Assert.Equal(new FileInfo(input).Length, job.GetProperty("input_bytes").GetInt64());
        var uploadedAt = job.GetProperty("uploaded_at").GetDateTimeOffset();
        Assert.True(uploadedAt <= job.GetProperty("submitted_at").GetDateTimeOffset());
        // Submitting it afterwards, as clients written for POST /jobs do, changes nothing.
        using var again = await _api.SubmitAsync(jobId);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("DONE", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Post_jobs_after_the_upload_event_asks_storage_nothing()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1);
        var upload = await _api.RequestUploadAsync("submit-later.avi", start: "submit");
        Assert.Equal("submit", upload.GetProperty("start").GetString());
        var jobId = upload.GetProperty("job_id").GetString()!;
        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);

        // Recorded, not started: the job waits for its POST /jobs.
        var status = await Polling.WaitForAsync(async () =>
        {
            var job = await _api.GetJobAsync(jobId);
            return job.GetProperty("uploaded_at").ValueKind == JsonValueKind.Null ? null : job.GetProperty("status").GetString();
        }, "the upload event to be recorded", EventTimeout);
        Assert.Equal("AWAITING_UPLOAD", status);

        using (var submitted = await _api.SubmitAsync(jobId))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            Assert.Equal("PENDING", (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        Assert.Equal(0, await StorageRequestsOfSubmissionAsync(jobId));
        Assert.Equal("DONE", (await _api.WaitForOutcomeAsync(jobId, ConversionTimeout)).Job.GetProperty("status").GetString());

        // The count can see a storage request: a submission before any upload asks storage, and is told none is there.
        var unsent = (await _api.RequestUploadAsync("never-sent.avi", start: "submit")).GetProperty("job_id").GetString()!;
        using (var early = await _api.SubmitAsync(unsent))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        }

        Assert.True(await StorageRequestsOfSubmissionAsync(unsent) >= 1, "a submission that asked storage shows no storage request");
    }

    [Fact]
    public async Task A_webhook_url_for_a_job_that_starts_on_upload_belongs_in_its_upload_request()
    {
        var jobId = (await _api.RequestUploadAsync("hooked.avi")).GetProperty("job_id").GetString()!;
        using var response = await _api.PostAsJsonAsync("/jobs", new { job_id = jobId, webhook_url = "https://example.com/hook" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("webhook_url", problem.GetProperty("field").GetString());
        Assert.Contains("/upload/request", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_start_option_is_checked()
    {
        using var response = await _api.PostAsJsonAsync("/upload/request", new { filename = "clip.avi", start = "later" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("start", problem.GetProperty("field").GetString());
        Assert.Contains("'upload'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The storage requests the API sent while serving POST /jobs for the job: its HTTP client spans to the input bucket
    /// (S3's path-style URLs, ".../input/{key}"), in that request's trace.
    /// </summary>
    private async Task<int> StorageRequestsOfSubmissionAsync(string jobId)
    {
        var request = await Polling.WaitForAsync(
            () => system.Telemetry.Spans.FirstOrDefault(span => span.Service == "api" && span.Name == JobJourney.SubmitRequest && span.Attribute("videoconversion.job.id") == jobId),
            "the submission's span", ExportTimeout);
        // The request's span ends after its storage calls, so they were exported with it or before it.
        return system.Telemetry.Spans.Count(span =>
            span.Service == "api" && span.TraceId == request.TraceId &&
            span.Attribute("url.full") is { } url && new Uri(url).AbsolutePath.StartsWith($"/{StorageNames.InputBucket}", StringComparison.Ordinal));
    }

    public void Dispose() => _work.Delete(recursive: true);
}
