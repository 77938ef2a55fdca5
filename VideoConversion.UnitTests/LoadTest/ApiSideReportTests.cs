using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class ApiSideReportTests
{
    private static ApiBenchmark.Phase Pass(string call, double requestsOver, double flushesOver, double? slowestFlush) =>
        new(call, 1000, 0, 1, 1000, new Distribution(5, 5, 20, 40, 65),
            ApiSide: new ApiSideTimes(new StepTimes(1000, requestsOver, 50), new StepTimes(500, 0, 10), new StepTimes(400, flushesOver, slowestFlush), new StepTimes(1, 0, 5)));

    private static ApiBenchmark.Round Round(double createOver) => new(
        Pass("POST /upload/request", createOver, 0, 10), Pass("POST /jobs", 0, 1, 50), Pass("GET /jobs/{id}", 0, 0, null),
        new ApiBenchmark.PacedRound(1000, Pass("POST /upload/request", 0, 0, 5), Pass("POST /jobs", 2, 0, 5), Pass("GET /jobs/{id}", 0, 0, null)));

    private static ApiBenchmark.Phase Unread(ApiBenchmark.Phase phase) =>
        phase with { ApiSide = phase.ApiSide! with { Unread = "/metrics did not answer within 5 s" } };

    [Fact]
    public void The_writes_as_the_api_timed_them_are_summed_over_the_passes_with_the_largest_share_of_one_pass()
    {
        var sentence = ApiSideReport.Writes([Round(4), Round(0), Round(12)]);

        Assert.Contains(
            "in 12 of the 12 write passes of every round, its timings over 25 ms were: " +
            "`POST /upload/request` 16 of 3,000 (at most 1.20 % in a pass, the slowest ≤ 50 ms) as fast as the clients go " +
            "and 0 of 3,000 (at most 0.00 % in a pass, the slowest ≤ 50 ms) at the target's rate; " +
            "`POST /jobs` 0 of 3,000 (at most 0.00 % in a pass, the slowest ≤ 50 ms) as fast as the clients go " +
            "and 6 of 3,000 (at most 0.20 % in a pass, the slowest ≤ 50 ms) at the target's rate.", sentence, StringComparison.Ordinal);
        // The log's flushes of the four write passes of each round: 3 of 4,800 over, one in a pass of 400, the slowest in the 50 ms bucket.
        Assert.Contains(
            "the log's flushes took over 25 ms 3 of 4,800 (at most 0.25 % in a pass, the slowest ≤ 50 ms), " +
            "and the writer's batches 0 of 6,000 (at most 0.00 % in a pass, the slowest ≤ 10 ms).", sentence, StringComparison.Ordinal);
        Assert.Contains("A pass with at most 1 % of its timings over 25 ms had the API's own p99 at or under it", sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Passes_whose_metrics_were_not_read_are_left_out_and_counted_and_rounds_without_any_say_nothing()
    {
        var round = Round(4);
        var partly = round with { Create = Unread(round.Create) };
        var none = new ApiBenchmark.Round(round.Create with { ApiSide = null }, round.Submit with { ApiSide = null }, round.Read);
        var allUnread = new ApiBenchmark.Round(Unread(round.Create), Unread(round.Submit), round.Read);

        var sentence = ApiSideReport.Writes([partly]);

        Assert.Contains("in 3 of the 4 write passes of every round", sentence, StringComparison.Ordinal);
        Assert.Contains("`POST /upload/request` none timed as fast as the clients go", sentence, StringComparison.Ordinal);
        Assert.Equal("", ApiSideReport.Writes([none]));
        Assert.Equal("The API's /metrics was not read around any of the 2 write passes (/metrics did not answer within 5 s).", ApiSideReport.Writes([allUnread]));
    }
}
