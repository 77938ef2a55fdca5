using System.Net;
using System.Text.Json;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Kubernetes;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Observability;

/// <summary>
/// The metrics as Prometheus scrapes them from /metrics (in Production, on Kubernetes): named
/// after the OpenTelemetry conventions with their units, and moving when a job runs.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class MetricsTests(SystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ConversionTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-metrics-");

    [Fact]
    public async Task Job_metrics_move_after_a_job_and_are_served_as_prometheus_text()
    {
        var apiBefore = await system.ApiManagement.ScrapeMetricsAsync();
        var workerBefore = await system.WorkerManagement.ScrapeMetricsAsync();

        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 3);
        var jobId = await system.Api.StartJobAsync(input);
        var (job, _) = await system.Api.WaitForOutcomeAsync(jobId, ConversionTimeout);
        Assert.Equal("DONE", job.GetProperty("status").GetString());
        var outputBytes = job.GetProperty("output_bytes").GetInt64();

        // The API records an outcome as it applies the worker's report: by the time the job reads DONE.
        // The worker records its attempt just after the API has it, so it is waited for.
        var api = await system.ApiManagement.ScrapeMetricsAsync();
        var worker = await Polling.WaitForAsync(async () =>
        {
            var scrape = await system.WorkerManagement.ScrapeMetricsAsync();
            var finished = scrape.Sum("videoconversion_job_processing_duration_seconds_count", ("videoconversion_job_outcome", "done"))
                > workerBefore.Sum("videoconversion_job_processing_duration_seconds_count", ("videoconversion_job_outcome", "done"));
            return finished ? scrape : null;
        }, "the worker to record the finished attempt", ScrapeTimeout);
        output.WriteLine(Only("videoconversion_", api.Text));
        output.WriteLine(Only("videoconversion_", worker.Text));

        PrometheusText.AssertGrew(apiBefore, api, "videoconversion_jobs_submitted_total", 1);
        PrometheusText.AssertGrew(apiBefore, api, "videoconversion_jobs_completed_total", 1, ("videoconversion_job_outcome", "done"));
        PrometheusText.AssertGrew(apiBefore, api, "videoconversion_job_queue_wait_duration_seconds_count", 1);
        PrometheusText.AssertGrew(apiBefore, api, "videoconversion_job_duration_seconds_count", 1, ("videoconversion_job_outcome", "done"));
        Assert.True(api.Declares("videoconversion_job_duration_seconds", "histogram"));

        PrometheusText.AssertGrew(workerBefore, worker, "videoconversion_job_processing_duration_seconds_count", 1, ("videoconversion_job_outcome", "done"));
        PrometheusText.AssertGrew(workerBefore, worker, "videoconversion_ffmpeg_speed_count", 1);
        PrometheusText.AssertGrew(workerBefore, worker, "videoconversion_conversion_io_bytes_total", new FileInfo(input).Length, ("videoconversion_io_direction", "in"));
        PrometheusText.AssertGrew(workerBefore, worker, "videoconversion_conversion_io_bytes_total", outputBytes, ("videoconversion_io_direction", "out"));
        Assert.True(worker.Has("videoconversion_conversions_active"), "conversions in progress are not exported");
        Assert.Equal(0, worker.Sum("videoconversion_conversions_active"));

        // The gauges come from the broker: the worker is attached to video_jobs as a consumer, and
        // the queue drains (they are read every 5 s, and earlier tests may have left jobs queued).
        var gauges = await Polling.WaitForAsync(async () =>
        {
            var scrape = await system.ApiManagement.ScrapeMetricsAsync();
            return scrape.Sum("videoconversion_queue_consumers", ("messaging_destination_name", "video_jobs")) >= 1 &&
                   scrape.Sum("videoconversion_queue_messages", ("messaging_destination_name", "video_jobs")) == 0 ? scrape : null;
        }, "the queue gauges read from the broker, with the queue drained", ScrapeTimeout);
        Assert.True(gauges.Has("videoconversion_queue_messages"), "queue depth is not exported");
        Assert.Equal(0, gauges.Sum("videoconversion_queue_messages", ("messaging_destination_name", "video_jobs")));
    }

    [Fact]
    public async Task The_dashboards_query_only_metrics_the_services_export()
    {
        // After a job every histogram has data; counters exist from start-up.
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1);
        await system.Api.WaitForOutcomeAsync(await system.Api.StartJobAsync(input), ConversionTimeout);
        var exported = Families(await system.ApiManagement.ScrapeMetricsAsync()).Concat(Families(await system.WorkerManagement.ScrapeMetricsAsync())).ToHashSet();

        var queried = DashboardQueries.Dashboards().Values
            .SelectMany(DashboardQueries.Expressions).SelectMany(DashboardQueries.OurFamilies).ToHashSet();
        output.WriteLine($"queried: {string.Join(", ", queried.Order(StringComparer.Ordinal))}");

        Assert.NotEmpty(queried);
        Assert.All(queried, family => Assert.True(exported.Contains(family), $"the dashboards query {family}, which no service exports"));

        // So does the workers' autoscaler, where Prometheus runs (the Minikube overlay's work trigger).
        var scaling = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "manifests", "overlays", "minikube", "kustomization.yaml"));
        var autoscaled = DashboardQueries.OurFamilies(System.Text.RegularExpressions.Regex.Match(scaling, "query: (.+)").Groups[1].Value).ToList();
        Assert.NotEmpty(autoscaled);
        Assert.All(autoscaled, family => Assert.True(exported.Contains(family), $"the autoscaler queries {family}, which no service exports"));
    }

    private static IEnumerable<string> Families(PrometheusText scrape) =>
        scrape.Text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(line => line.Split(' ')[2]);

    [Fact]
    public async Task Readiness_names_each_dependency_of_the_api_and_the_worker()
    {
        var api = await HealthAsync(system.ApiManagement);
        var worker = await HealthAsync(system.WorkerManagement);

        Assert.Equal("Healthy", api.GetProperty("status").GetString());
        Assert.Equal(["RabbitMQ.Client", "jobs", "self", "storage"], Checks(api));
        Assert.Equal("Healthy", worker.GetProperty("status").GetString());
        Assert.Equal(["RabbitMQ.Client", "ffmpeg", "self", "storage"], Checks(worker));
    }

    private static async Task<JsonElement> HealthAsync(HttpClient service)
    {
        var (status, report) = await service.ReadinessAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        return report;
    }

    private static string[] Checks(JsonElement health) =>
        [.. health.GetProperty("checks").EnumerateObject().Select(check => check.Name).Order(StringComparer.Ordinal)];

    private static string Only(string prefix, string text) =>
        string.Join('\n', text.Split('\n').Where(line => line.Contains(prefix, StringComparison.Ordinal)));

    public void Dispose() => _work.Delete(recursive: true);
}
