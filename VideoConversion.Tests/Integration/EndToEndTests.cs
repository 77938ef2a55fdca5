using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>A video all the way through: presigned upload, queue, FFmpeg worker, playable MP4.</summary>
[Collection(WholeSystem.Name)]
public class EndToEndTests(SystemFixture system) : IDisposable
{
    private static readonly TimeSpan ConversionTimeout = TimeSpan.FromMinutes(3);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-e2e-");

    [Fact]
    public async Task An_uploaded_mjpeg_avi_comes_back_as_a_browser_playable_mp4()
    {
        const double seconds = 4;
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds);

        // The job waits for POST /jobs: that call's contract is what is under test here.
        var upload = await _api.RequestUploadAsync("holiday.avi", start: "submit");
        var jobId = upload.GetProperty("job_id").GetString()!;
        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);

        using (var submitted = await _api.SubmitAsync(jobId))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            var body = await submitted.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(jobId, body.GetProperty("job_id").GetString());
            Assert.Equal("PENDING", body.GetProperty("status").GetString());
        }

        // Submitting again is harmless: accepted, and the job is not reset to PENDING once it runs.
        using (var again = await _api.SubmitAsync(jobId))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }

        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, ConversionTimeout);
        Assert.True(job.GetProperty("status").GetString() == "DONE",
            $"Job ended {job.GetProperty("status")} with error {job.GetProperty("error")}; statuses: {string.Join(" → ", seen)}");
        Assert.Equal(100, job.GetProperty("progress").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Equal("transcode", job.GetProperty("conversion_method").GetString());
        var startedAt = job.GetProperty("started_at").GetDateTimeOffset();
        var finishedAt = job.GetProperty("finished_at").GetDateTimeOffset();
        // started_at comes from the worker's first PROCESSING report, so it precedes the finish.
        var submittedAt = job.GetProperty("submitted_at").GetDateTimeOffset();
        Assert.True(job.GetProperty("created_at").GetDateTimeOffset() <= submittedAt && submittedAt <= startedAt && startedAt < finishedAt);
        AssertNoScratchFilesLeft(jobId);

        var output = Path.Combine(_work.FullName, "output.mp4");
        using (var http = new HttpClient())
        {
            var outputUrl = new Uri(job.GetProperty("output_url").GetString()!);
            Assert.EndsWith($"/output/{jobId}.mp4", outputUrl.AbsolutePath, StringComparison.Ordinal);
            await File.WriteAllBytesAsync(output, await http.GetByteArrayAsync(outputUrl));
        }

        Assert.Equal(new FileInfo(output).Length, job.GetProperty("output_bytes").GetInt64());
        Assert.True(TestMedia.MoovBeforeMdat(output), "the moov box must precede mdat (faststart)");

        var probe = await TestMedia.ProbeAsync(output);
        Assert.Contains("mp4", probe.GetProperty("format").GetProperty("format_name").GetString(), StringComparison.Ordinal);
        var streams = probe.GetProperty("streams").EnumerateArray().ToList();
        var video = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "video");
        var audio = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal("h264", video.GetProperty("codec_name").GetString());
        Assert.Equal("yuv420p", video.GetProperty("pix_fmt").GetString());
        Assert.Equal(320, video.GetProperty("width").GetInt32()); // 321x241 rounded down to even
        Assert.Equal(240, video.GetProperty("height").GetInt32());
        Assert.Equal("aac", audio.GetProperty("codec_name").GetString());
        Assert.Equal(2, audio.GetProperty("channels").GetInt32());
        var duration = double.Parse(probe.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(duration, seconds - 0.1, seconds + 0.1);
    }

    [Fact]
    public async Task A_file_that_is_not_a_video_fails_with_a_readable_error_and_leaves_no_output()
    {
        var input = Path.Combine(_work.FullName, "notes.mp4");
        await File.WriteAllTextAsync(input, "This is a shopping list, not a video.\n");

        var jobId = await _api.StartJobAsync(input, "video/mp4");

        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, ConversionTimeout);
        Assert.True(job.GetProperty("status").GetString() == "FAILED", $"statuses: {string.Join(" → ", seen)}");
        var error = job.GetProperty("error").GetString();
        Assert.Equal("The file is not a video in a supported format, or it is damaged.", error);
        // Reported by the first attempt: a file that is not a video is not retried.
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("output_url").ValueKind);
        AssertNoScratchFilesLeft(jobId);

        // A failed job stays failed: submitting it again is a conflict.
        using var again = await _api.SubmitAsync(jobId);
        await again.AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_hostile_hls_playlist_fails_clearly_and_the_worker_connects_nowhere()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var input = Path.Combine(_work.FullName, "trap.mp4");
        await File.WriteAllTextAsync(input, HostileFiles.HlsPlaylist($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/segment.ts"));

        var jobId = await _api.StartJobAsync(input, "video/mp4");

        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, ConversionTimeout);
        Assert.True(job.GetProperty("status").GetString() == "FAILED", $"statuses: {string.Join(" → ", seen)}");
        Assert.StartsWith("The file is an HLS playlist, not a video in an accepted format", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the worker connected to the address in the playlist");
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        AssertNoScratchFilesLeft(jobId);
    }

    /// <summary>The worker runs with this process's environment, so its scratch root is the default one here.</summary>
    private static void AssertNoScratchFilesLeft(string jobId)
    {
        var root = new VideoConversion.Worker.Conversion.ConversionOptions().ScratchDirectory;
        var left = Directory.Exists(root) ? Directory.GetDirectories(root, $"{jobId}*") : [];
        Assert.Empty(left);
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _work.Delete(recursive: true);
        }
    }
}
