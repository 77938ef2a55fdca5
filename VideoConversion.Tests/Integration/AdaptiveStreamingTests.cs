using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// A job asking for every output, through the public API as an application integrates it: its answer links an HLS
/// stream any player can open (storage stays private: the link is the permission, segments come signed), a poster and
/// a storyboard.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class AdaptiveStreamingTests(SystemFixture system) : IDisposable
{
    private static readonly string[] WithUnknown = ["mp4", "dash"];

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-streaming-");

    /// <summary>A player: no credentials of the job's owner.</summary>
    private readonly HttpClient _player = new() { Timeout = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task A_20_second_1080p_upload_plays_over_hls_with_a_poster_and_a_storyboard()
    {
        var input = Path.Combine(_work.FullName, "film.mp4");
        await TestMedia.FFmpegAsync(
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=20",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20",
            "-vf", "fade=in:0:30", "-c:v", "libx264", "-preset", "superfast", "-pix_fmt", "yuv420p", "-c:a", "aac", input);

        var jobId = await system.Api.StartJobAsync(input, "video/mp4", OutputKinds.Supported);
        var (job, seen) = await system.Api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(6));
        Assert.True(job.GetProperty("status").GetString() == "DONE", $"statuses: {string.Join(" → ", seen)}; error {job.GetProperty("error")}");

        var outputs = job.GetProperty("outputs");
        var facts = outputs.Deserialize<JobOutputs>(MessageSerializer.Options)!;
        Assert.Equal(facts.TotalBytes, job.GetProperty("output_bytes").GetInt64());
        Assert.Equal(job.GetProperty("output_url").GetString(), outputs.GetProperty("mp4").GetProperty("url").GetString());

        // The stream, fetched as a player does: the master by its link, every other playlist relative to it.
        var master = new Uri(outputs.GetProperty("hls").GetProperty("url").GetString()!);
        var hls = facts.Hls!;
        Assert.Equal(["1080p", "720p", "480p", "360p"], hls.Renditions.Select(rendition => rendition.Name));
        await HlsContract.AssertAsync(
            file => _player.GetStringAsync(new Uri(master, file)),
            file => new Uri(master, file).AbsoluteUri,
            hls, expectedSeconds: 20);

        var poster = Path.Combine(_work.FullName, "poster.jpg");
        await File.WriteAllBytesAsync(poster, await _player.GetByteArrayAsync(new Uri(outputs.GetProperty("poster").GetProperty("url").GetString()!)));
        await PictureChecks.AssertRepresentativeAsync(poster, 1280, 720);

        var storyboard = await _player.GetStringAsync(new Uri(outputs.GetProperty("storyboard").GetProperty("url").GetString()!));
        var cues = storyboard.Split('\n').Where(line => line.Contains(" --> ", StringComparison.Ordinal)).ToList();
        // One thumbnail every 2 s of the 20 s: ten cues, the last one reaching the end.
        Assert.Equal(10, cues.Count);
        Assert.Equal(facts.Storyboard!.Tiles, cues.Count);
        var lastEnd = TimeSpan.ParseExact(cues[^1].Split(" --> ")[1], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
        Assert.True(lastEnd.TotalSeconds >= job.GetProperty("duration_seconds").GetDouble() - 0.05, $"the storyboard ends at {lastEnd}, before the video");
        var sheet = storyboard.Split('\n').First(line => line.Contains("#xywh=", StringComparison.Ordinal));
        using var sheetResponse = await _player.GetAsync(new Uri(sheet[..sheet.IndexOf('#', StringComparison.Ordinal)]));
        Assert.Equal(HttpStatusCode.OK, sheetResponse.StatusCode);
        Assert.Equal("image/jpeg", sheetResponse.Content.Headers.ContentType?.MediaType);

        // Storage itself stays private: the stored files are not readable without a signature.
        var segmentKey = (await system.StoredKeysAsync(StorageNames.OutputBucket, StorageNames.OutputFilesPrefix(jobId))).First(key => key.EndsWith(".m4s", StringComparison.Ordinal));
        var signed = new Uri((await _player.GetStringAsync(new Uri(master, $"{hls.Renditions[^1].Name}.m3u8"))).Split('\n').First(line => line.StartsWith("http", StringComparison.Ordinal)));
        using var unsigned = await _player.GetAsync(new Uri($"{signed.GetLeftPart(UriPartial.Authority)}/{StorageNames.OutputBucket}/{segmentKey}"));
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
    }

    [Fact]
    public async Task A_tampered_link_plays_nothing_every_output_counts_against_the_quota_and_deleting_the_job_removes_them()
    {
        var account = await system.CreateAccountAsync("streaming-quota");
        using var api = system.ApiClient(account.ApiKey);
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var jobId = await api.StartJobAsync(input, outputs: [OutputKinds.Hls]);
        var (job, _) = await api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        var link = job.GetProperty("outputs").GetProperty("hls").GetProperty("url").GetString()!;
        Assert.Equal(JsonValueKind.Null, job.GetProperty("output_url").ValueKind);

        using var good = await _player.GetAsync(new Uri(link));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal("*", good.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // Another job's id under this job's token, and this job's link with its signature changed.
        var otherJob = link.Replace(jobId, jobId[..^1] + (jobId[^1] == 'a' ? 'b' : 'a'), StringComparison.Ordinal);
        var forged = link.Replace("/hls/", "x/hls/", StringComparison.Ordinal);
        foreach (var bad in new[] { otherJob, forged })
        {
            using var refused = await _player.GetAsync(new Uri(bad));
            await refused.AssertProblemAsync(HttpStatusCode.Forbidden);
        }

        // The account's stored bytes are its upload and everything the job made: the whole stream, not an MP4's size.
        var outputBytes = job.GetProperty("output_bytes").GetInt64();
        Assert.Equal(job.GetProperty("outputs").GetProperty("hls").GetProperty("bytes").GetInt64(), outputBytes);
        using var tooLarge = await api.PostAsJsonAsync("/upload/request", new { filename = "more.mp4", size_bytes = SystemFixture.MaxStoredBytes });
        var quota = await tooLarge.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(new FileInfo(input).Length + outputBytes, quota.GetProperty("current").GetInt64());

        // Deleting the job removes every file of its stream, and its link plays nothing more.
        var prefix = StorageNames.OutputFilesPrefix(jobId);
        Assert.NotEmpty(await system.StoredKeysAsync(StorageNames.OutputBucket, prefix));
        using (var deleted = await api.DeleteAsync(new Uri($"/jobs/{jobId}", UriKind.Relative)))
        {
            Assert.True(deleted.IsSuccessStatusCode, $"DELETE answered {(int)deleted.StatusCode}");
        }

        await Polling.WaitUntilAsync(async () => (await system.StoredKeysAsync(StorageNames.OutputBucket, prefix)).Count == 0,
            "the deleted job's stream to be removed from storage", TimeSpan.FromSeconds(30));
        using var gone = await _player.GetAsync(new Uri(link));
        await gone.AssertProblemAsync(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task An_unknown_output_is_refused_naming_the_allowed_ones()
    {
        using var response = await system.Api.PostAsJsonAsync("/upload/request", new { filename = "clip.mp4", outputs = WithUnknown });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("'dash'", detail, StringComparison.Ordinal);
        Assert.All(OutputKinds.Supported, kind => Assert.Contains($"'{kind}'", detail, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _player.Dispose();
        _work.Delete(recursive: true);
    }
}
