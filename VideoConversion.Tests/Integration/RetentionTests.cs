using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;

namespace VideoConversion.Tests.Integration;

/// <summary>The retention sweeper on a system whose retention times are seconds: what expires becomes EXPIRED, and its objects are gone.</summary>
[Collection(RetentionSystem.Name)]
public sealed class RetentionTests(RetentionSystemFixture system) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-retention-");

    [Fact]
    public async Task An_upload_never_submitted_expires_and_its_object_is_gone()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1);
        var upload = await system.Api.RequestUploadAsync("never-submitted.avi", start: "submit");
        var jobId = upload.GetProperty("job_id").GetString()!;
        // The bytes arrive, but the job is never submitted: an upload abandoned half-way, as far as the service can tell.
        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);
        var key = $"{jobId}.avi";
        Assert.True(await system.IsStoredAsync(StorageNames.InputBucket, key), "the upload should be stored before it expires");

        var expired = await WaitForStatusAsync(jobId, "EXPIRED", RetentionSystemFixture.UploadUrlLifetime + TimeSpan.FromSeconds(30));

        Assert.Contains("never submitted", expired.GetProperty("error").GetString(), StringComparison.Ordinal);
        await Polling.WaitUntilAsync(async () => !await system.IsStoredAsync(StorageNames.InputBucket, key), "the abandoned upload to be removed", TimeSpan.FromSeconds(15));
        using var submit = await system.Api.PostAsJsonAsync("/jobs", new { job_id = jobId });
        Assert.Equal(HttpStatusCode.Conflict, submit.StatusCode);
        Assert.Contains("expired", (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_upload_whose_event_never_came_is_started_by_the_sweeper_not_expired()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1);
        string jobId;
        // Storage's events go nowhere now, as when storage cannot reach the broker; nobody calls POST /jobs.
        await using (await UploadEventRoute.CutAsync(system))
        {
            var upload = await system.Api.RequestUploadAsync("unannounced.avi");
            jobId = upload.GetProperty("job_id").GetString()!;
            await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);
            Assert.Equal("AWAITING_UPLOAD", (await system.Api.GetJobAsync(jobId)).GetProperty("status").GetString());

            await Polling.WaitUntilAsync(
                async () => (await system.Api.GetJobAsync(jobId)).GetProperty("status").GetString() != "AWAITING_UPLOAD",
                "the sweeper to start the job once its URL expired", RetentionSystemFixture.UploadUrlLifetime + TimeSpan.FromSeconds(30));
        }

        var (job, seen) = await system.Api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.True(job.GetProperty("status").GetString() == "DONE", $"statuses: {string.Join(" → ", seen)}; error {job.GetProperty("error")}");
        Assert.Equal(new FileInfo(input).Length, job.GetProperty("input_bytes").GetInt64());
    }

    [Fact]
    public async Task An_upload_that_never_came_expires_and_says_so()
    {
        var jobId = (await system.Api.RequestUploadAsync("never-sent.avi")).GetProperty("job_id").GetString()!;

        var expired = await WaitForStatusAsync(jobId, "EXPIRED", RetentionSystemFixture.UploadUrlLifetime + TimeSpan.FromSeconds(30));

        Assert.Contains("did not arrive", expired.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(await system.IsStoredAsync(StorageNames.InputBucket, $"{jobId}.avi"));
        // Listed with the others, as expired: its owner sees what became of it.
        var list = await system.Api.GetFromJsonAsync<JsonElement>("/jobs?page_size=100");
        Assert.Contains(list.GetProperty("items").EnumerateArray(),
            job => job.GetProperty("job_id").GetString() == jobId && job.GetProperty("status").GetString() == "EXPIRED");
    }

    [Fact]
    public async Task An_output_past_its_retention_is_gone_and_its_job_says_so()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1);
        var jobId = await system.Api.StartJobAsync(input);
        var (done, _) = await system.Api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.Equal("DONE", done.GetProperty("status").GetString());
        Assert.True(await system.IsStoredAsync(StorageNames.OutputBucket, StorageNames.OutputKey(jobId)), "the output should be stored while it is kept");

        var expired = await WaitForStatusAsync(jobId, "EXPIRED", RetentionSystemFixture.OutputRetention + TimeSpan.FromSeconds(30));

        Assert.Equal(JsonValueKind.Null, expired.GetProperty("output_url").ValueKind);
        await Polling.WaitUntilAsync(async () => !await system.IsStoredAsync(StorageNames.OutputBucket, StorageNames.OutputKey(jobId)),
            "the expired output to be removed once its last download link ran out", TimeSpan.FromSeconds(30));
        await Polling.WaitUntilAsync(async () => !await system.IsStoredAsync(StorageNames.InputBucket, $"{jobId}.avi"),
            "the input to be removed after its job ended", TimeSpan.FromSeconds(15));
        await Polling.WaitUntilAsync(async () =>
        {
            var metrics = await system.ApiManagement.ScrapeMetricsAsync();
            return metrics.Sum("videoconversion_retention_swept_total", ("videoconversion_retention_kind", "output")) >= 1 &&
                   metrics.Sum("videoconversion_retention_swept_total", ("videoconversion_retention_kind", "input")) >= 1;
        }, "the sweep to be counted", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Expired_segment_links_are_renewed_in_a_refetched_playlist_and_every_output_expires()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 3);
        var jobId = await system.Api.StartJobAsync(input, outputs: [OutputKinds.Hls, OutputKinds.Poster, OutputKinds.Storyboard]);
        var (job, seen) = await system.Api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.True(job.GetProperty("status").GetString() == "DONE", $"statuses: {string.Join(" → ", seen)}; error {job.GetProperty("error")}");
        var master = new Uri(job.GetProperty("outputs").GetProperty("hls").GetProperty("url").GetString()!);
        using var player = new HttpClient();
        var rendition = (await player.GetStringAsync(master)).Split('\n').First(line => line.EndsWith(".m3u8", StringComparison.Ordinal) && !line.StartsWith('#'));
        async Task<Uri> FirstSegmentAsync() =>
            new((await player.GetStringAsync(new Uri(master, rendition))).Split('\n').First(line => line.StartsWith("http", StringComparison.Ordinal)));

        var first = await FirstSegmentAsync();
        using (var fresh = await player.GetAsync(first))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        await Polling.WaitUntilAsync(async () =>
        {
            using var stale = await player.GetAsync(first);
            return stale.StatusCode == HttpStatusCode.Forbidden;
        }, "the segment URL to expire", RetentionSystemFixture.SegmentUrlLifetime + TimeSpan.FromSeconds(10));

        // The same playback link, fetched again: the playlist is signed afresh.
        var renewed = await FirstSegmentAsync();
        Assert.NotEqual(first, renewed);
        using (var again = await player.GetAsync(renewed))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        // Retention covers every output: the job expires, everything under its prefix goes, and its link plays nothing.
        await WaitForStatusAsync(jobId, "EXPIRED", RetentionSystemFixture.OutputRetention + TimeSpan.FromSeconds(30));
        await Polling.WaitUntilAsync(async () => (await system.StoredKeysAsync(StorageNames.OutputBucket, StorageNames.OutputFilesPrefix(jobId))).Count == 0,
            "the job's HLS, poster and storyboard files to be removed", TimeSpan.FromSeconds(30));
        using var gone = await player.GetAsync(master);
        await gone.AssertProblemAsync(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task An_abandoned_multipart_upload_is_aborted_and_storage_keeps_none_of_its_parts()
    {
        const long size = 12L * 1024 * 1024;
        using var request = await system.Api.PostAsJsonAsync("/upload/request",
            new { filename = "abandoned.mp4", content_type = "video/mp4", size_bytes = size, upload_type = "multipart" });
        var ticket = await request.Content.ReadFromJsonAsync<JsonElement>();
        var jobId = ticket.GetProperty("job_id").GetString()!;
        var partSize = ticket.GetProperty("part_size").GetInt64();
        using var signed = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/parts", new { part_numbers = FirstPart });
        var url = (await signed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parts")[0].GetProperty("url").GetString()!;
        using var storage = new HttpClient();
        using (var part = await storage.PutAsync(new Uri(url), new ByteArrayContent(new byte[Math.Min(partSize, size)])))
        {
            Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        }

        // The client goes away with one part sent. Storage holds it until the sweeper gives the upload up.
        var uploadId = await system.MultipartUploadIdAsync(jobId);
        using var http = new HttpClient();
        var uploads = await system.ApiMultipartUploadsAsync(http);
        Assert.Single((await uploads.ListPartsAsync($"{jobId}.mp4", uploadId!, CancellationToken.None))!);

        await WaitForStatusAsync(jobId, "EXPIRED", RetentionSystemFixture.UploadUrlLifetime + TimeSpan.FromSeconds(40));
        await Polling.WaitUntilAsync(async () => await uploads.ListPartsAsync($"{jobId}.mp4", uploadId!, CancellationToken.None) is null,
            "the abandoned multipart upload to be aborted", TimeSpan.FromSeconds(20));
        // The sweeper records it gone right after storage dropped it (its round's commit may be a moment behind).
        await Polling.WaitUntilAsync(async () => await system.MultipartUploadIdAsync(jobId) is null,
            "the job to forget its aborted upload", TimeSpan.FromSeconds(10));
    }

    private static readonly int[] FirstPart = [1];

    private async Task<JsonElement> WaitForStatusAsync(string jobId, string status, TimeSpan timeout)
    {
        JsonElement job = default;
        await Polling.WaitUntilAsync(async () =>
        {
            job = await system.Api.GetJobAsync(jobId);
            return job.GetProperty("status").GetString() == status;
        }, $"job {jobId} to become {status}", timeout);
        return job;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
