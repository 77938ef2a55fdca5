using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class ApiCoresReportTests
{
    private static ApiBenchmark.Phase Phase(ApiCall call, CoresTime? cores) =>
        new(call.Name, 1000, 0, 0.5, 2000, new Distribution(10, 10, 20, 30, 40), Cores: cores);

    private static ApiBenchmark.Round Round(CoresTime? create, CoresTime? submit, CoresTime? read) =>
        new(Phase(ApiCall.Create, create), Phase(ApiCall.Submit, submit), Phase(ApiCall.Read, read));

    /// <summary>A pass of 0.5 s on 2 cores (1 CPU second in all), its figures in CPU seconds.</summary>
    private static CoresTime Pass(double api, double workers, double converting, double broker, double idle) =>
        new(Cores: 2, Total: 1.0, Idle: idle, Converting: converting,
            new Dictionary<string, double> { [SystemParts.Workers] = workers, [SystemParts.Api] = api, [SystemParts.Broker] = broker });

    [Fact]
    public void Each_pass_is_a_row_of_cores_busy_on_average_by_part_and_the_submissions_api_share_and_cpu_per_call_are_compared()
    {
        var paused = Round(Pass(0.40, 0, 0, 0.05, 0.30), Pass(0.42, 0, 0, 0.06, 0.20), Pass(0.45, 0, 0, 0.02, 0.10));
        var running = Round(Pass(0.35, 0.05, 0.30, 0.05, 0), Pass(0.26, 0.06, 0.40, 0.07, 0.05), Pass(0.30, 0.04, 0.35, 0.02, 0));
        var report = new MarkdownText();

        ApiCoresReport.Write(report, paused, running);

        var lines = report.ToString().Split('\n');
        Assert.DoesNotContain(lines, line => line.Contains("Left out", StringComparison.Ordinal));
        // The parts in the report's order (the API first), the workers' children apart, and the rest: each row adds up to 2.
        Assert.Contains("| Pass | Seconds | API | workers | RabbitMQ | The workers' children (ffprobe) | The rest of the machine | Idle |", lines);
        // Submissions with the workers paused: API 0.42 s of 1 CPU-s over 0.5 s = 0.84 cores; rest 1 − 0.42 − 0.06 − 0.20 = 0.32 s.
        Assert.Contains("| `POST /jobs`, the workers paused | 0.50 | 0.84 | 0.00 | 0.12 | 0.00 | 0.64 | 0.40 |", lines);
        Assert.Contains("| `POST /jobs`, the workers running | 0.50 | 0.52 | 0.12 | 0.14 | 0.80 | 0.32 | 0.10 |", lines);
        Assert.Equal(6, lines.Count(line => line.StartsWith("| `", StringComparison.Ordinal)));
        Assert.Contains(
            "During `POST /jobs` the API was busy on 0.52 cores on average with the workers running and on 0.84 with them paused; " +
            "its CPU over the pass per call made was 0.26 ms running (which holds its recording of the uploads' events and applying " +
            "the workers' reports too) and 0.42 ms paused. With the workers running, they and their children used 0.92 of the 2 cores, and 0.10 were idle.",
            lines);
    }

    [Fact]
    public void Passes_not_measured_or_too_short_are_left_out_and_with_none_measured_nothing_is_written()
    {
        var report = new MarkdownText();
        ApiCoresReport.Write(report, Round(null, null, null), Round(null, null, null));
        Assert.Equal("", report.ToString());

        // No running round, and a pass of a hundredth of a second, whose every figure the ticks would decide: the one
        // pass long enough alone in the table, the short one named, and no comparison.
        var hundredth = new CoresTime(Cores: 2, Total: 0.02, Idle: 0, Converting: 0, new Dictionary<string, double> { [SystemParts.Api] = 0.02 });
        ApiCoresReport.Write(report, Round(Pass(0.40, 0, 0, 0.05, 0.30), hundredth, null), workersRunning: null);
        var text = report.ToString();
        var lines = text.Split('\n');
        Assert.Single(lines, line => line.StartsWith("| `", StringComparison.Ordinal));
        Assert.Contains("| `POST /upload/request`, the workers paused | 0.50 | 0.80 |", text, StringComparison.Ordinal);
        Assert.Contains(
            "Left out, shorter than 0.2 s (/proc counts in ticks of 10 ms, which would decide such a row): `POST /jobs`, the workers paused (0.010 s).",
            text, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.StartsWith("During ", StringComparison.Ordinal));

        // Every pass too short: no table, and the passes named; one just short of the bound with the digits that show it
        // (0.199 s, which two decimals would round up to the bound).
        var justShort = new CoresTime(Cores: 2, Total: 0.398, Idle: 0.1, Converting: 0, new Dictionary<string, double> { [SystemParts.Api] = 0.2 });
        report = new MarkdownText();
        ApiCoresReport.Write(report, Round(hundredth, hundredth, justShort), workersRunning: null);
        Assert.Equal(
            "**Where the machine's 2 cores went during each pass** as fast as the clients go: not shown. Left out, shorter than 0.2 s " +
            "(/proc counts in ticks of 10 ms, which would decide such a row): `POST /upload/request`, the workers paused (0.010 s); " +
            "`POST /jobs`, the workers paused (0.010 s); `GET /jobs/{id}`, the workers paused (0.199 s).\n\n", report.ToString());
    }
}
