using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Benchmark;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class PrometheusHistogramTests
{
    /// <summary>As the API's exporter writes them: one series per status code, labels in any order, a timestamp after the value.</summary>
    private static string Page(double fast, double slow, double slowest) => $$"""
        # TYPE http_server_request_duration_seconds histogram
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="202",http_route="/jobs/",le="0.01"} {{fast}} 1764900000000
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="202",http_route="/jobs/",le="0.025"} {{fast}} 1764900000000
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="202",http_route="/jobs/",le="0.05"} {{fast + slow}} 1764900000000
        http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="202",http_route="/jobs/",le="+Inf"} {{fast + slow + slowest}} 1764900000000
        http_server_request_duration_seconds_bucket{http_response_status_code="409",http_request_method="POST",http_route="/jobs/",le="0.01"} 1
        http_server_request_duration_seconds_bucket{http_response_status_code="409",http_request_method="POST",http_route="/jobs/",le="0.025"} 1
        http_server_request_duration_seconds_bucket{http_response_status_code="409",http_request_method="POST",http_route="/jobs/",le="0.05"} 1
        http_server_request_duration_seconds_bucket{http_response_status_code="409",http_request_method="POST",http_route="/jobs/",le="+Inf"} 1
        http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/jobs/{jobId}",le="0.01"} 500
        http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/jobs/{jobId}",le="+Inf"} 900
        http_server_request_duration_seconds_sum{http_request_method="POST",http_response_status_code="202",http_route="/jobs/"} 12.5
        http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="202",http_route="/jobs/"} {{fast + slow + slowest}}
        """;

    [Fact]
    public void A_histogram_sums_the_series_with_the_labels_asked_for_bucket_by_bucket()
    {
        var histogram = PrometheusHistogram.Parse(Page(100, 3, 1), "http_server_request_duration_seconds", ("http_request_method", "POST"), ("http_route", "/jobs/"));

        Assert.Equal(new (double, double)[] { (0.01, 101), (0.025, 101), (0.05, 104), (double.PositiveInfinity, 105) }, histogram.Buckets);
        Assert.Equal(105, histogram.Count);
        Assert.Equal(101, histogram.CountAtMost(0.025));
        Assert.Equal(101, histogram.CountAtMost(0.04)); // a bound between buckets counts those below it only
        Assert.Equal(0, histogram.CountAtMost(0.001));
        Assert.Equal(double.PositiveInfinity, histogram.SlowestAtMost);
    }

    [Fact]
    public void A_pass_is_the_difference_of_two_readings_and_its_slowest_lies_in_its_own_bucket()
    {
        var before = PrometheusHistogram.Parse(Page(100, 3, 1), "http_server_request_duration_seconds", ("http_route", "/jobs/"));
        var after = PrometheusHistogram.Parse(Page(1100, 5, 1), "http_server_request_duration_seconds", ("http_route", "/jobs/"));

        var pass = StepTimes.Of(after.Since(before));

        // 1,000 fast and 2 between 25 and 50 ms in the pass; the slowest call, over 50 ms, came before it.
        Assert.Equal(new StepTimes(1002, 2, 50), pass);
    }

    [Fact]
    public void A_histogram_not_on_the_page_is_empty_and_a_restarted_process_counts_from_its_restart()
    {
        var absent = PrometheusHistogram.Parse(Page(1, 0, 0), "videoconversion_database_flush_duration_seconds");
        var restarted = PrometheusHistogram.Parse(Page(7, 0, 0), "http_server_request_duration_seconds", ("http_route", "/jobs/"));
        var beforeRestart = PrometheusHistogram.Parse(Page(1000, 0, 0), "http_server_request_duration_seconds", ("http_route", "/jobs/"));

        Assert.Empty(absent.Buckets);
        Assert.Equal(new StepTimes(0, 0, null), StepTimes.Of(absent.Since(absent)));
        Assert.Equal(8, restarted.Since(beforeRestart).Count);
    }

    [Fact]
    public void A_pass_the_api_was_read_around_is_said_with_its_slow_steps_and_a_pass_without_is_not()
    {
        var api = new ApiSideTimes(new StepTimes(10_012, 3, 50), new StepTimes(1_204, 0, 10), new StepTimes(813, 2, 50), new StepTimes(0, 0, null));
        var phase = new ApiBenchmark.Phase("POST /jobs", 1000, 0, 1, 1000, new VideoConversion.LoadTest.Reports.Distribution(5, 5, 20, 40, 65),
            SlowestCalls: [new TimedCall(400, 65), new TimedCall(410, 55)]);

        var said = SlowestCallsReport.Sentence(phase with { ApiSide = api }, isPaced: true);
        var unsaid = SlowestCallsReport.Sentence(phase, isPaced: true);
        var unread = SlowestCallsReport.Sentence(phase with { ApiSide = api with { Unread = "/metrics answered 503" } }, isPaced: true);

        Assert.EndsWith(
            "; in the API around the pass: requests 3 of 10,012 over 25 ms (slowest ≤ 50 ms), batches 0 of 1,204 over 25 ms (slowest ≤ 10 ms), " +
            "log flushes 2 of 813 over 25 ms (slowest ≤ 50 ms).", said, StringComparison.Ordinal);
        Assert.DoesNotContain("in the API", unsaid, StringComparison.Ordinal);
        Assert.EndsWith("; the API's /metrics was not read around the pass (/metrics answered 503).", unread, StringComparison.Ordinal);
    }

    /// <summary>
    /// As OpenTelemetry's exporter may also write them: its scope's labels, bounds to 17 significant digits, and a histogram
    /// with no labels of its own but the bound.
    /// </summary>
    private const string ExporterPage = """
        videoconversion_database_flush_duration_seconds_bucket{le="0.025000000000000001"} 40
        videoconversion_database_flush_duration_seconds_bucket{le="0.050000000000000003"} 42
        videoconversion_database_flush_duration_seconds_bucket{le="+Inf"} 42
        http_server_request_duration_seconds_bucket{otel_scope_name="Microsoft.AspNetCore.Hosting",http_request_method="GET",http_route="/jobs/{jobId}",le="0.025000000000000001"} 7
        http_server_request_duration_seconds_bucket{otel_scope_name="Microsoft.AspNetCore.Hosting",http_request_method="GET",http_route="/jobs/{jobId}",le="+Inf"} 9
        http_server_request_duration_seconds_bucket{otel_scope_name="Microsoft.AspNetCore.Hosting",http_request_method="GET",http_route="/jobs/",le="+Inf"} 1000
        """;

    [Fact]
    public void Bounds_written_to_17_digits_a_bound_alone_in_its_labels_and_a_route_with_braces_are_read()
    {
        var flushes = PrometheusHistogram.Parse(ExporterPage, "videoconversion_database_flush_duration_seconds");
        var reads = PrometheusHistogram.Parse(ExporterPage, "http_server_request_duration_seconds", ("http_request_method", "GET"), ("http_route", "/jobs/{jobId}"));

        Assert.Equal(new StepTimes(42, 2, 50), StepTimes.Of(flushes.Since(PrometheusHistogram.Empty)));
        Assert.Equal(new StepTimes(9, 2, double.PositiveInfinity), StepTimes.Of(reads));
    }

    [Fact]
    public void A_restarted_process_that_counted_more_in_total_still_counts_from_its_restart()
    {
        // Before: 1,000 fast calls. After a restart: 1,200 calls, 300 of them slow: fewer fast ones than before.
        var before = PrometheusHistogram.Parse(Page(999, 0, 0), "http_server_request_duration_seconds", ("http_route", "/jobs/"));
        var after = PrometheusHistogram.Parse(Page(899, 300, 0), "http_server_request_duration_seconds", ("http_route", "/jobs/"));

        Assert.Equal(new StepTimes(1200, 300, 50), StepTimes.Of(after.Since(before)));
    }
}
