using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// Jobs from a URL against the running system: a video at an allowed address on loopback is fetched and
/// converted; private addresses are refused when the job is made, and when a redirect leads to one; a
/// server's refusal and too many redirects fail the job saying so.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class JobsFromUrlTests(SystemFixture system) : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    private readonly VideoSource _source = new();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-url-jobs-");

    public Task InitializeAsync() => _source.StartAsync();

    [Fact]
    public async Task A_video_at_an_allowed_address_is_fetched_and_converted()
    {
        _source.File("videos/clip.avi", await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2));

        using var created = await system.Api.PostAsJsonAsync("/jobs", new { input_url = _source.Url("videos/clip.avi") });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
        var (job, _) = await system.Api.WaitForOutcomeAsync(jobId, JobTimeout);

        Assert.Equal("DONE", job.GetProperty("status").GetString());
        Assert.Equal("clip.avi", job.GetProperty("filename").GetString());
        Assert.Equal(_source.Url("videos/clip.avi"), job.GetProperty("input_url").GetString());
        Assert.InRange(job.GetProperty("duration_seconds").GetDouble(), 1.5, 2.5);
        using var download = new HttpClient();
        using var output = await download.GetAsync(new Uri(job.GetProperty("output_url").GetString()!), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, output.StatusCode);
    }

    [Theory]
    [InlineData("http://10.1.2.3/video.mp4")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://localhost:1/video.mp4")]
    [InlineData("ftp://example.com/video.mp4")]
    public async Task A_private_or_non_http_address_is_refused_when_the_job_is_made(string url)
    {
        using var created = await system.Api.PostAsJsonAsync("/jobs", new { input_url = url });
        var problem = await created.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("input_url", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_redirect_to_a_private_address_a_server_refusal_and_endless_redirects_fail_the_job_saying_why()
    {
        _source.Redirect("moved", "https://10.1.2.3/video.mp4");
        _source.Status("gone", 404);
        _source.Redirect("loop", _source.Url("loop"));

        foreach (var (path, reason) in new[]
        {
            ("moved", "That address is not allowed"),
            ("gone", "answered 404"),
            ("loop", "redirected more than 3 times"),
        })
        {
            using var created = await system.Api.PostAsJsonAsync("/jobs", new { input_url = _source.Url(path) });
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
            var (job, _) = await system.Api.WaitForOutcomeAsync(jobId, JobTimeout);
            Assert.Equal("FAILED", job.GetProperty("status").GetString());
            Assert.Contains(reason, job.GetProperty("error").GetString(), StringComparison.Ordinal);
            // The URL's fault, not the system's: failed at the first attempt.
            Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        }
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        _work.Delete(recursive: true);
    }

    ValueTask IAsyncDisposable.DisposeAsync() => _source.DisposeAsync();
}
