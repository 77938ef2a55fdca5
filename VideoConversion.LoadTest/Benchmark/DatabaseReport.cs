using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The write path on each database: this run's SQLite rounds next to the rounds of the same system on PostgreSQL, with one
/// API replica and with more, measured by scripts/benchmark in the same run (api-rounds), the same way.
/// </summary>
public static class DatabaseReport
{
    /// <summary>How SQLite's connections are used, as the API configures them.</summary>
    private const string SqlitePooling =
        "Microsoft.Data.Sqlite's pool (on by default) for reads; one writer connection outside it commits each group of writes (BEGIN IMMEDIATE, synchronous=NORMAL, the log then fsynced by the writer before it answers, overlapping the next group)";

    public static void Write(MarkdownText report, SystemBenchmark.Results results, BenchmarkSettings settings, IReadOnlyList<DatabaseRounds> others)
    {
        var sqlite = new DatabaseRounds("SQLite", 1, SqlitePooling, results.AllApiRounds);
        List<DatabaseRounds> systems = [sqlite, .. others];

        report.Heading($"The write path on each database, {settings.ApiConcurrency} concurrent clients");
        report.Paragraph(
            "The same rounds as above on each system, one after the other in this run: the workers paused during each call's phase,",
            "the system settled between rounds and after each phase of submissions, the round in the middle by submissions a second shown, every round's rate and p99 in the last column;",
            $"the p99 of the same calls started on a schedule at {Number(ApiBenchmark.TargetRate, "N0")}/s (as above) next to the clients' own, and the target",
            "judged both ways (a system measured without the schedule reads \"not measured\" at the target's rate).",
            "Each system is the AppHost's own (`VideoConversion:Database`, `VideoConversion:ApiReplicas`): with several replicas the AppHost's",
            "proxy spreads the clients' connections over them; one API process answers on the address itself, without the proxy's hop,",
            "so the rows of one replica and of two differ by that hop too.");
        var atRate = $"{Number(ApiBenchmark.TargetRate, "N0")}/s";
        report.TableRow("Database", "API replicas", "Call", "Calls", "Errors", "Rate", "p50", "p99",
            $"p99 at {atRate}", "Against SQLite (rate, p99)", "Target", "At full load", $"At {atRate}", "Rounds (rate, p99)");
        report.TableRow("---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---");
        var baseline = sqlite.Middle;
        foreach (var system in systems)
        {
            var middle = system.Middle;
            foreach (var (phase, baselinePhase) in new[] { (middle.Create, baseline.Create), (middle.Submit, baseline.Submit), (middle.Read, baseline.Read) })
            {
                var isWrite = phase.Call != middle.Read.Call;
                var p99 = phase.LatencyMilliseconds.P99 ?? double.NaN;
                report.TableRow(
                    system.Database, $"{system.ApiReplicas}", $"`{phase.Call}`", $"{phase.Calls}", $"{phase.Errors}", $"{Number(phase.PerSecond, "F0")}/s",
                    $"{Number(phase.LatencyMilliseconds.P50 ?? double.NaN, "F1")} ms", $"{Number(p99, "F1")} ms",
                    middle.AtTargetRate?.Of(phase.Call).LatencyMilliseconds.P99 is { } scheduled ? $"{Number(scheduled, "F1")} ms" : "—",
                    system == sqlite
                        ? "—"
                        : $"{Number(phase.PerSecond / baselinePhase.PerSecond, "F2")}×, {Number(p99 / (baselinePhase.LatencyMilliseconds.P99 ?? double.NaN), "F2")}×",
                    isWrite ? WriteTarget.Text : "",
                    isWrite ? WriteTarget.AtFullLoad(phase) : "",
                    isWrite ? WriteTarget.AtTargetRate(middle, phase.Call) : "",
                    string.Join("; ", system.Rounds.Select(round => round.Of(phase.Call))
                        .Select(each => $"{Number(each.PerSecond, "F0")}/s, {Number(each.LatencyMilliseconds.P99 ?? double.NaN, "F0")} ms")));
            }
        }

        report.Line();
        report.Paragraph("**Connections:**");
        foreach (var system in systems)
        {
            report.Line($"- {system.Database}, {system.ApiReplicas} API replica(s): {system.Pooling}.");
        }

        report.Line();
        report.Paragraph(
            "On PostgreSQL every commit is a round trip to another process and a WAL flush (synchronous_commit on). Each API process",
            "commits an account's upload requests and POST /jobs submissions in groups on the account's lane: the locks they name",
            "taken first in one order (without it, two replicas' batches of any writes deadlocked on each other's rows and account",
            "totals), each write's one statement (a new job's row inserted if the account's totals leave room; a submission, the same",
            "check in it when the job's size was not declared, as here) sent in the same round trip after the locks, then the commit:",
            "two round trips a group, however many writes it holds, unless one must decide again. Other",
            "writes one per transaction on 8 connections at once; the benchmark's writes are all one account's, so in each replica one",
            "lane takes them, and the account's lock orders the replicas' groups. On SQLite a group of writes shares one fsync in the",
            "API's own process. Several replicas add processes, not cores: on this machine they share the",
            $"same {results.MachineCores} cores with PostgreSQL, the broker, storage and the clients, so a second replica measures the cost of",
            "coordination here, and the capacity it adds only where each replica has cores of its own.");
    }
}
