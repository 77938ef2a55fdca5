using System.Globalization;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.LoadTest;

/// <summary>
/// The load tool's uploads in parts (--multipart) against the running system: the job converts, and the report says how
/// fast the file went and what the upload sent against the file's size.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class MultipartLoadToolTests(SystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(6);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-loadtool-multipart-");

    [Fact]
    public async Task Multipart_sends_the_video_in_parts_and_reports_the_upload_rate_and_the_bytes_sent()
    {
        var input = await VideoOfPartsAsync(3);
        var size = new FileInfo(input).Length;
        var (exitCode, text, report, files) = await LoadTestTool.RunAsync(Path.Combine(_work.FullName, "out"), ToolTimeout,
            "baseline", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey, "--num-jobs", "1",
            "--video-file", input, "--multipart", "--parts-in-flight", "2");
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        var job = Assert.Single(report.GetProperty("jobs").EnumerateArray());
        Assert.Equal("DONE", job.GetProperty("status").GetString());
        // Asked for in parts although the file is far below the API's multipart threshold (64 MiB): the tool does as told.
        Assert.Equal("multipart", job.GetProperty("upload_type").GetString());
        Assert.Equal(3, job.GetProperty("upload_parts").GetInt32());
        Assert.Equal(size, job.GetProperty("upload_bytes").GetInt64());
        // No part failed: exactly the file's bytes went out, each once.
        Assert.Equal(size, job.GetProperty("sent_bytes").GetInt64());
        var seconds = job.GetProperty("upload_seconds").GetDouble();
        Assert.True(seconds > 0);
        var rate = job.GetProperty("upload_megabytes_per_second").GetDouble();
        Assert.Equal(size / 1e6 / seconds, rate, precision: 6);

        var uploads = report.GetProperty("summary").GetProperty("uploads");
        Assert.Equal(1, uploads.GetProperty("uploads").GetInt32());
        Assert.Equal("multipart", Assert.Single(uploads.GetProperty("upload_types").EnumerateArray()).GetString());
        Assert.Equal(size, uploads.GetProperty("file_bytes").GetInt64());
        Assert.Equal(size, uploads.GetProperty("sent_bytes").GetInt64());
        Assert.Equal(1.0, uploads.GetProperty("sent_ratio").GetDouble());
        // One upload: its rate is the median and the aggregate alike.
        Assert.Equal(rate, uploads.GetProperty("median_megabytes_per_second").GetDouble(), precision: 6);
        Assert.Equal(rate, uploads.GetProperty("aggregate_megabytes_per_second").GetDouble(), precision: 6);

        var markdown = await File.ReadAllTextAsync(Assert.Single(files, file => file.EndsWith(".md", StringComparison.Ordinal)));
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"- Uploads (in parts, 2 at once; multipart): **{rate:F1} MB/s** over all 1 "), markdown, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{size} bytes sent for {size} bytes of files (**1.000×**)"), markdown, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"| multipart, 3 part(s) | {rate:F2} | 1.000× |"), markdown, StringComparison.Ordinal);
    }

    private Task<string> VideoOfPartsAsync(int parts) => TestMedia.VideoOfPartsAsync(_work.FullName, parts, SystemFixture.PartBytes);

    public void Dispose() => _work.Delete(recursive: true);
}
