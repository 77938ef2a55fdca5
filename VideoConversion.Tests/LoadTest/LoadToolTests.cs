using System.Xml.Linq;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.LoadTest;

/// <summary>The load tool against the running system: a tiny smoke of each command, never judged on time.</summary>
[Collection(WholeSystem.Name)]
public sealed class LoadToolTests(SystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(6);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-loadtool-");

    [Fact]
    public async Task Baseline_drives_the_public_api_and_reports_each_jobs_times()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var (exitCode, text, report, _) = await LoadTestTool.RunAsync(Path.Combine(_work.FullName, "out"), ToolTimeout,
            "baseline", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey, "--num-jobs", "2", "--video-file", input);
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        var summary = report.GetProperty("summary");
        Assert.Equal(2, summary.GetProperty("succeeded").GetInt32());
        Assert.Equal(1.0, summary.GetProperty("success_rate").GetDouble());
        Assert.All(report.GetProperty("jobs").EnumerateArray(), job =>
        {
            Assert.Equal("DONE", job.GetProperty("status").GetString());
            Assert.True(job.GetProperty("upload_seconds").GetDouble() > 0);
            Assert.True(job.GetProperty("queue_wait_seconds").GetDouble() >= 0);
            Assert.True(job.GetProperty("processing_seconds").GetDouble() > 0);
            // End to end includes the upload, the queue and the processing.
            Assert.True(job.GetProperty("end_to_end_seconds").GetDouble() >= job.GetProperty("processing_seconds").GetDouble());
            // Without --multipart, one PUT of exactly the file.
            Assert.Equal("single", job.GetProperty("upload_type").GetString());
            Assert.Equal(new FileInfo(input).Length, job.GetProperty("upload_bytes").GetInt64());
            Assert.Equal(new FileInfo(input).Length, job.GetProperty("sent_bytes").GetInt64());
        });
    }

    [Fact]
    public async Task Load_writes_json_markdown_and_a_chart_of_the_queue_and_workers()
    {
        var directory = Path.Combine(_work.FullName, "out");
        var (exitCode, text, report, files) = await LoadTestTool.RunAsync(directory, ToolTimeout,
            "load", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey, "--api-management-url", system.ApiManagement.BaseAddress!.ToString(), "--num-jobs", "4", "--concurrency", "2", "--input-seconds", "2");
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        Assert.Equal(4, report.GetProperty("summary").GetProperty("succeeded").GetInt32());
        Assert.True(report.GetProperty("summary").GetProperty("jobs_per_minute").GetDouble() > 0);
        foreach (var percentile in new[] { "p50", "p95", "p99" })
        {
            Assert.True(report.GetProperty("summary").GetProperty("end_to_end").GetProperty(percentile).GetDouble() > 0);
        }

        // The timeline read the broker's queue depth and the workers attached through the API.
        var timeline = report.GetProperty("timeline").EnumerateArray().ToList();
        Assert.NotEmpty(timeline);
        Assert.Contains(timeline, point => point.GetProperty("workers").ValueKind == System.Text.Json.JsonValueKind.Number && point.GetProperty("workers").GetDouble() >= 1);

        var markdown = await File.ReadAllTextAsync(Assert.Single(files, file => file.EndsWith(".md", StringComparison.Ordinal)));
        Assert.Contains("| end to end (client) |", markdown, StringComparison.Ordinal);
        // Each job's own times, one row each.
        Assert.Equal(4, markdown.Split('\n').Count(line => line.StartsWith("| ", StringComparison.Ordinal) && line.Contains(" | DONE | ", StringComparison.Ordinal)));
        var chart = XDocument.Load(Assert.Single(files, file => file.EndsWith(".svg", StringComparison.Ordinal)));
        Assert.Equal(3, chart.Descendants(XName.Get("polyline", "http://www.w3.org/2000/svg")).Count());
    }

    [Fact]
    public async Task Chaos_with_every_core_busy_loses_no_job_and_says_what_the_fault_cost()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var (exitCode, text, report, _) = await LoadTestTool.RunAsync(Path.Combine(_work.FullName, "out"), ToolTimeout,
            "chaos", "--test", "cpu-stress", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey, "--num-jobs", "3", "--concurrency", "3", "--video-file", input);
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        var findings = report.GetProperty("findings").EnumerateArray().Select(finding => finding.GetString()!).ToList();
        Assert.Contains(findings, finding => finding.StartsWith("Jobs lost: **0** of 3", StringComparison.Ordinal));
        Assert.Contains(findings, finding => finding.StartsWith("Extra time:", StringComparison.Ordinal));
        Assert.Contains(report.GetProperty("events").EnumerateArray(), line => line.GetString()!.Contains("cpu-stress", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_arguments_get_a_clear_error()
    {
        var (exitCode, text, _, _) = await LoadTestTool.RunAsync(Path.Combine(_work.FullName, "out"), ToolTimeout,
            "baseline", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey, "--video-file", Path.Combine(_work.FullName, "missing.mp4"));

        Assert.Equal(2, exitCode);
        Assert.Contains("No such video file", text, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Delete(recursive: true);
}
