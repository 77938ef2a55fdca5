using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class SlowestCallsReportTests
{
    private static ApiBenchmark.Phase Phase(string call, double p50, double? clientPause, params (double At, double Latency)[] slowest) =>
        new(call, 1000, 0, 1, 1000, new Distribution(p50, p50, p50 * 4, p50 * 8, slowest.Max(each => each.Latency)),
            ClientPauseMilliseconds: clientPause, SlowestCalls: [.. slowest.Select(each => new TimedCall(each.At, each.Latency))]);

    [Fact]
    public void Slow_calls_all_waiting_at_one_instant_are_one_bunch()
    {
        // A 60 ms hold-up from 400 ms: calls due 400-440 ms wait 60-20 ms (plus their own 5 ms).
        var phase = Phase("POST /jobs", 5, 12, (400, 65), (410, 55), (420, 45), (430, 35), (440, 25));

        var sentence = SlowestCallsReport.Sentence(phase, isPaced: true);

        Assert.Equal(
            "`POST /jobs` at the target's rate: its 5 slowest calls (25–65 ms) in 1 bunch: 5 due at 400–440 ms (25–65 ms); " +
            "the load tool was paused by its own collections 12 ms in all during the pass.", sentence);
    }

    [Fact]
    public void Slow_calls_never_all_waiting_at_one_instant_fall_in_separate_bunches()
    {
        // Calls in flight together at 6,017 ms and at 9,237 ms (two hold-ups, as they would be); one at 47 ms, answered long before.
        var phase = Phase("GET /jobs/{id}", 3, null, (47, 51), (6017.2, 47), (6017.6, 48), (6018, 48), (9237, 51), (9237.4, 48));

        var sentence = SlowestCallsReport.Sentence(phase, isPaced: false);

        Assert.Equal(
            "`GET /jobs/{id}`, as fast as the clients go: its 6 slowest calls (47–51 ms) in 3 bunches: 1 started at 47 ms (51 ms); " +
            "3 started at 6017–6018 ms (47–48 ms); 2 started at 9237 ms (48–51 ms).", sentence);
    }

    [Fact]
    public void On_a_schedule_the_load_tools_latest_timer_is_said_with_when_it_was_set()
    {
        // The load tool's timer, set at 503 ms, woke 48 ms late: the calls due then were started late by the clients.
        var phase = Phase("POST /upload/request", 5, 2, (504, 71), (510, 60), (524, 52)) with { LatestTimer = new LateTimer(503.2, 48.4) };

        var sentence = SlowestCallsReport.Sentence(phase, isPaced: true);

        Assert.EndsWith(
            "in 1 bunch: 3 due at 504–524 ms (52–71 ms); the load tool was paused by its own collections 2 ms in all during the pass; " +
            "its 1 ms timer woke at most 48 ms late, so calls due 503–553 ms started late by it.", sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_call_joins_a_bunch_only_if_it_was_waiting_before_every_call_of_it_was_answered()
    {
        // Answered at 10, 105 and 110: the call at 90 started after the first was answered, so no instant held all three.
        // The call at 110 started as the one at 90 was answered: both were waiting then.
        var bunches = SlowestCallsReport.Bunches([new(0, 10), new(5, 100), new(90, 20), new(110, 5)]);

        Assert.Equal([[new TimedCall(0, 10), new TimedCall(5, 100)], [new TimedCall(90, 20), new TimedCall(110, 5)]], bunches);

        // The bunch's earliest answer is its second call's (at 15), not its first's (at 100): the call at 20 waited alone.
        Assert.Equal(
            [[new TimedCall(0, 100), new TimedCall(10, 5)], [new TimedCall(20, 10)]],
            SlowestCallsReport.Bunches([new(0, 100), new(10, 5), new(20, 10)]));
    }

    [Fact]
    public void Past_five_bunches_the_rest_are_counted_not_listed()
    {
        var phase = Phase("POST /upload/request", 5, null, (100, 30), (200, 30), (300, 30), (400, 30), (500, 30), (600, 30), (700, 30));

        var sentence = SlowestCallsReport.Sentence(phase, isPaced: true);

        Assert.EndsWith("in 7 bunches: 1 due at 100 ms (30 ms); 1 due at 200 ms (30 ms); 1 due at 300 ms (30 ms); 1 due at 400 ms (30 ms); " +
            "1 due at 500 ms (30 ms); 2 more.", sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void The_middle_rounds_phases_are_each_described_and_rounds_without_kept_calls_add_nothing()
    {
        var kept = Phase("GET /jobs/{id}", 2, 3, (10, 20), (12, 18));
        ApiBenchmark.Phase Bare(string call) => new(call, 1000, 0, 1, 1000, new Distribution(2, 2, 4, 8, 20));
        var round = new ApiBenchmark.Round(Bare("POST /upload/request"), Bare("POST /jobs"), kept,
            new ApiBenchmark.PacedRound(1000, Bare("POST /upload/request"), Bare("POST /jobs"), kept));
        var bare = new ApiBenchmark.Round(Bare("POST /upload/request"), Bare("POST /jobs"), Bare("GET /jobs/{id}"));

        var report = new MarkdownText();
        SlowestCallsReport.Write(report, round);
        var none = new MarkdownText();
        SlowestCallsReport.Write(none, bare);

        var text = report.ToString();
        Assert.Contains("**Where the slowest calls fell**", text, StringComparison.Ordinal);
        Assert.Contains("- `GET /jobs/{id}`, as fast as the clients go: its 2 slowest calls", text, StringComparison.Ordinal);
        Assert.Contains("- `GET /jobs/{id}` at the target's rate: its 2 slowest calls", text, StringComparison.Ordinal);
        Assert.DoesNotContain("`POST /jobs`", text, StringComparison.Ordinal);
        Assert.Equal("", none.ToString());
    }

    [Fact]
    public void The_workers_running_rounds_submissions_alone_are_described_both_ways()
    {
        var submitted = Phase("POST /jobs", 1, null, (10, 40), (11, 38));
        var created = Phase("POST /upload/request", 1, null, (10, 9));
        var round = new ApiBenchmark.Round(created, submitted, created, new ApiBenchmark.PacedRound(1000, created, submitted, created));

        var report = new MarkdownText();
        SlowestCallsReport.WriteSubmissions(report, round);
        var lines = report.ToString().Split('\n');

        Assert.Equal(2, lines.Count(line => line.StartsWith("- ", StringComparison.Ordinal)));
        Assert.Contains(lines, line => line.StartsWith("- `POST /jobs`, as fast as the clients go: its 2 slowest calls (38–40 ms)", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("- `POST /jobs` at the target's rate: its 2 slowest calls (38–40 ms)", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("`POST /upload/request`", StringComparison.Ordinal));

        // A round measured before the calls were kept adds nothing.
        ApiBenchmark.Phase Bare(string call) => new(call, 1000, 0, 1, 1000, new Distribution(2, 2, 4, 8, 20));
        var none = new MarkdownText();
        SlowestCallsReport.WriteSubmissions(none, new ApiBenchmark.Round(Bare("POST /upload/request"), Bare("POST /jobs"), Bare("GET /jobs/{id}")));
        Assert.Equal("", none.ToString());
    }
}
