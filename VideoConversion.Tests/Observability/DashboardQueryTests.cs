using System.Diagnostics;
using System.Text.Json;
using Aspire.Hosting.Testing;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Observability;

/// <summary>
/// Every query of the Grafana dashboards, evaluated by a real Prometheus (Debian's) scraping the
/// running system as the cluster's Prometheus does (the services' /metrics, RabbitMQ's
/// /metrics/detailed), while a job succeeds and one fails: none errors, and each gives a series.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class DashboardQueryTests(SystemFixture system) : IDisposable
{
    private static readonly TimeSpan SeriesTimeout = TimeSpan.FromMinutes(2);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-prometheus-");

    [Fact]
    public async Task Every_dashboard_query_answers_with_a_series_from_the_running_system()
    {
        var port = FreeTcpPort.Next();
        var broker = system.App.GetEndpoint("messaging", "prometheus");
        var config = Path.Combine(_work.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: api
                static_configs: [{targets: ["{{system.ApiManagement.BaseAddress!.Authority}}"]}]
              - job_name: worker
                static_configs: [{targets: ["{{system.WorkerManagement.BaseAddress!.Authority}}"]}]
              - job_name: rabbitmq
                metrics_path: /metrics/detailed
                params:
                  family: [queue_coarse_metrics, queue_consumer_count]
                static_configs: [{targets: ["{{broker.Authority}}"]}]
            """);
        using var prometheus = Process.Start(new ProcessStartInfo("prometheus",
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_work.FullName, "data")}", $"--web.listen-address=127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = prometheus.StandardError.ReadToEndAsync();
        _ = prometheus.StandardOutput.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            await Polling.WaitUntilAsync(async () =>
            {
                Assert.False(prometheus.HasExited, "Prometheus exited");
                try
                {
                    // Until its storage is open, Prometheus answers 503 "Service Unavailable" in plain text.
                    using var ready = await http.GetAsync("/-/ready");
                    return ready.IsSuccessStatusCode && await SeriesCountAsync(http, "up == 1") == 3;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
            }, "Prometheus scraping the API, the worker and RabbitMQ", TimeSpan.FromMinutes(1));

            // While it scrapes: one job that converts and one that fails.
            var good = await system.Api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2));
            var bad = Path.Combine(_work.FullName, "not-a-video.avi");
            await File.WriteAllTextAsync(bad, "this is not a video");
            var failing = await system.Api.StartJobAsync(bad);
            foreach (var job in new[] { good, failing })
            {
                await system.Api.WaitForOutcomeAsync(job, TimeSpan.FromMinutes(3));
            }

            // "x or vector(0)" always answers: x itself must, unless x counts only events this run did not
            // cause (a retry, a dead letter), whose counters exist from the first such event.
            var expressions = DashboardQueries.Dashboards().Values.SelectMany(DashboardQueries.Expressions)
                .Select(WithoutFallback).Distinct(StringComparer.Ordinal)
                .Where(expression => !CountsOnlyRareEvents(expression)).ToList();
            Assert.NotEmpty(expressions);
            var deadline = DateTime.UtcNow + SeriesTimeout;
            var missing = expressions.ToList();
            while (missing.Count > 0 && DateTime.UtcNow < deadline)
            {
                List<string> stillMissing = [];
                foreach (var expression in missing)
                {
                    if (await SeriesCountAsync(http, expression) == 0)
                    {
                        stillMissing.Add(expression);
                    }
                }

                missing = stillMissing;
                if (missing.Count > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2));
                }
            }

            Assert.True(missing.Count == 0, "no series for:\n" + string.Join('\n', missing));
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill(entireProcessTree: true);
            }

            await prometheus.WaitForExitAsync();
            _ = await log;
        }
    }

    /// <summary>Counters of events only the fault tests cause; each is an instrument our code declares.</summary>
    private static readonly string[] RareEventCounters = ["videoconversion_jobs_retried_total", "videoconversion_jobs_dead_lettered_total"];

    private static string WithoutFallback(string expression)
    {
        const string Fallback = " or vector(0)";
        if (!expression.EndsWith(Fallback, StringComparison.Ordinal))
        {
            return expression;
        }

        var core = expression[..^Fallback.Length].Trim();
        return core.StartsWith('(') && core.EndsWith(')') && core.Count(c => c == '(') == core.Count(c => c == ')') ? core[1..^1] : core;
    }

    private static bool CountsOnlyRareEvents(string expression)
    {
        var metrics = System.Text.RegularExpressions.Regex.Matches(expression, @"\bvideoconversion_[a-z_]+").Select(match => match.Value).ToList();
        if (metrics.Count == 0 || !metrics.All(RareEventCounters.Contains))
        {
            return false;
        }

        foreach (var metric in metrics)
        {
            var instrument = "videoconversion.jobs." + metric["videoconversion_jobs_".Length..^"_total".Length];
            Assert.True(Directory.EnumerateFiles(RepositoryPaths.Root, "*.cs", SearchOption.AllDirectories)
                    .Where(file => !file.Contains("/bin/", StringComparison.Ordinal) && !file.Contains("/obj/", StringComparison.Ordinal) &&
                                   !file.Contains("VideoConversion.Tests", StringComparison.Ordinal))
                    .Any(file => File.ReadAllText(file).Contains($"\"{instrument}\"", StringComparison.Ordinal)),
                $"{metric}: no instrument \"{instrument}\" in the services");
        }

        return true;
    }

    /// <summary>How many series a query gives now; a query Prometheus refuses fails the test at once.</summary>
    private static async Task<int> SeriesCountAsync(HttpClient http, string expression)
    {
        using var response = await http.GetAsync($"/api/v1/query?query={Uri.EscapeDataString(expression)}");
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(answer.RootElement.GetProperty("status").GetString() == "success",
            $"Prometheus refused {expression}: {answer.RootElement}");
        var result = answer.RootElement.GetProperty("data").GetProperty("result");
        return result.ValueKind == JsonValueKind.Array ? result.GetArrayLength() : 1;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
