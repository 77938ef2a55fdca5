using System.Globalization;
using VideoConversion.LoadTest.Benchmark;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.LoadTest;

/// <summary>
/// A tiny run of the benchmark against the test system: every measurement is taken and the report
/// written. Its numbers are not judged (shared CI machines are noisy); docs/BENCHMARKS.md holds real ones.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class BenchmarkSmokeTests(SystemFixture system, ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-benchmark-");

    [Fact]
    public async Task The_benchmark_measures_every_comparison_and_writes_its_report()
    {
        var report = Path.Combine(_work.FullName, "BENCHMARKS.md");
        var (exitCode, text) = await LoadTestTool.RunInAsync(_work.FullName, TimeSpan.FromMinutes(10), [
            "benchmark", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey,
            // Its /metrics, for what the API itself counted in each pass.
            "--api-management-url", system.ApiManagement.BaseAddress!.ToString(),
            "--worker-binary", Path.Combine(AppContext.BaseDirectory, "VideoConversion.Worker.dll"),
            // The system's workers run from the worker project's own build of this configuration, not the copy beside the tests.
            "--system-worker", SystemWorkerExecutable(),
            // Other test systems run the same build at the same time: only this system's worker is paused.
            "--system-workers-under", (await system.App.ProcessIdAsync(SystemFixture.Worker)).ToString(CultureInfo.InvariantCulture),
            // Two per-job and throughput runs a side: the least that pairs each system run with the raw run before it.
            "--workers", "1", "--runs", "1", "--job-runs", "2", "--throughput-jobs", "2", "--input-seconds", "2", "--big-file-mb", "0",
            // Several of the test system's 5 MiB parts each.
            "--upload-mb", "64", "--cut-upload-mb", "32",
            "--api-concurrency", "4", "--api-duration", "1s", "--api-max-jobs", "10",
            "--work-dir", Path.Combine(_work.FullName, "work"), "--report", report]);
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        var markdown = await File.ReadAllTextAsync(report);
        foreach (var row in new[] { "| Transcode, per job |", "| Remux, per job |", "| Throughput, 2 transcodes, 1 at once |", "| `POST /upload/request` |", "| `POST /jobs` |", "| api |", "| worker |",
                     "| Every output, per job |", "| HLS ladder: one FFmpeg run per rendition |",
                     "| Upload, single PUT | 64 MiB |", "| Upload, in parts | 64 MiB: 13 parts of 5 MiB |", "| Upload, in parts, connection cut twice | 32 MiB: 7 parts of 5 MiB |" })
        {
            Assert.Contains(row, markdown, StringComparison.Ordinal);
        }

        // Its rate is the machine's; that the upload in parts survived both cuts is the system's.
        var lines = markdown.Split('\n');
        Assert.Contains("| 2 cuts, ", Assert.Single(lines, line => line.StartsWith("| Upload, in parts, connection cut twice |", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith("| met |", Assert.Single(lines, line => line.StartsWith("| Upload cut twice: accepted |", StringComparison.Ordinal)), StringComparison.Ordinal);

        // Its submissions were measured after the API recorded storage's event of each upload (read back by the tool).
        Assert.Matches(@"Each phase of submissions starts once the API has recorded storage's events of its [1-9][0-9]* uploads", markdown);

        // Throughput's runs, each side's, are listed with the per-job runs (two each here: the median of several is the
        // report's unit test's); and each system run weighed against the raw run before it by the machine's speed in each.
        Assert.Matches(@"; throughput \(jobs/min\) raw [0-9.]+ [0-9.]+, system [0-9.]+ [0-9.]+; FFmpeg's CPU time", markdown);
        Assert.Matches(@"the system's overhead over raw FFmpeg: [+-][0-9.]+ %, [+-][0-9.]+ %; median [+-][0-9.]+ %, (within|short of) the target", markdown);
        Assert.Matches(@"the system's jobs a minute against the raw loop's: [0-9.]+ %, [0-9.]+ %; median [0-9.]+ %, (within|short of) the target", markdown);

        // FFmpeg's CPU time on both sides: read from this process's children raw, and from the system's worker's.
        foreach (var row in new[] { "FFmpeg's CPU time, per transcode", "FFmpeg's CPU time per job, throughput" })
        {
            var cpu = System.Text.RegularExpressions.Regex.Match(markdown, $@"\| {row} \| ([0-9.]+) s \| ([0-9.]+) s \|");
            Assert.True(cpu.Success, $"No row '{row}'.");
            Assert.True(double.Parse(cpu.Groups[1].Value, CultureInfo.InvariantCulture) > 0, $"{row}: no CPU time raw.");
            Assert.True(double.Parse(cpu.Groups[2].Value, CultureInfo.InvariantCulture) > 0, $"{row}: no CPU time in the system.");
        }

        // Where the cores' time went, from /proc: FFmpeg's on both sides, and the API's and the workers' own processes found
        // and counted while the system converted; the workers' own far below their FFmpeg's (a child's time counted once,
        // as converting); and each column adding up to its first row, the wall time times the cores (each cell rounded).
        Assert.Contains("## Where the cores' time went", markdown, StringComparison.Ordinal);
        var coresTable = markdown[markdown.IndexOf("## Where the cores' time went", StringComparison.Ordinal)..].Split('\n')
            .SkipWhile(line => !line.StartsWith("|  | Transcode, per job, raw", StringComparison.Ordinal)).Skip(2).TakeWhile(line => line.StartsWith('|'))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries)[1..^1])
            .ToDictionary(cells => cells[0], cells => cells[1..].Select(cell => double.Parse(cell, CultureInfo.InvariantCulture)).ToArray());
        foreach (var row in new[] { "FFmpeg, converting", "API", "workers" })
        {
            Assert.True(coresTable.TryGetValue(row, out var cells), $"No row '{row}' in where the cores' time went.");
            // Columns: transcode raw, system, difference; throughput raw, system, difference.
            Assert.True(cells[1] > 0 && cells[4] > 0, $"{row}: no CPU time in the system.");
        }

        Assert.True(coresTable["FFmpeg, converting"][0] > 0 && coresTable["FFmpeg, converting"][3] > 0, "FFmpeg: no CPU time raw.");
        Assert.True(coresTable["workers"][1] < coresTable["FFmpeg, converting"][1] / 2, "The workers' own time holds their FFmpeg's.");
        var allCores = coresTable.Keys.Single(row => row.StartsWith("All cores", StringComparison.Ordinal));
        for (var column = 0; column < 6; column++)
        {
            var sum = coresTable.Where(row => row.Key != allCores).Sum(row => row.Value[column]);
            Assert.True(Math.Abs(sum - coresTable[allCores][column]) <= 0.01 * coresTable.Count,
                $"Column {column} of where the cores' time went adds up to {sum:F2}, not to its first row's {coresTable[allCores][column]:F2}.");
        }

        // Each call's slowest calls, as the system answered them, placed in the pass (one bunch at least per call), at full
        // load and at the target's rate; and what the API's own metrics counted meanwhile: the pass's requests under the
        // call's route, and for the writes the database writer's batches and log flushes.
        foreach (var call in new[] { "`POST /upload/request`", "`POST /jobs`", "`GET /jobs/{id}`" })
        {
            foreach (var pass in new[] { ", as fast as the clients go", " at the target's rate" })
            {
                var line = System.Text.RegularExpressions.Regex.Match(markdown, $@"- {System.Text.RegularExpressions.Regex.Escape(call + pass)}: .*");
                Assert.True(line.Success, $"No line for {call}{pass}.");
                Assert.Matches(@": its [1-9][0-9]* slowest calls \([0-9–]+ ms\) in [1-9][0-9]* bunch", line.Value);
                Assert.Matches(@"; in the API around the pass: requests [0-9,]+ of [1-9][0-9,]* over 25 ms \(slowest (≤ [0-9.]+ ms|beyond the last bucket)\)", line.Value);
                if (call != "`GET /jobs/{id}`")
                {
                    Assert.Matches(@", batches [0-9,]+ of [1-9][0-9,]* over 25 ms .*, log flushes [0-9,]+ of [1-9][0-9,]* over 25 ms", line.Value);
                }
            }
        }

        // Where the cores went during each pass as fast as the clients go, the workers paused and running: every pass
        // measured, in the table or named as too short for /proc's 10 ms ticks (the writes' passes here are ten calls);
        // the API's own process found and busy in the reads' passes (a second each); and, the workers paused, no part counted
        // twice, which would leave the rest of the machine below zero by more than the ticks' rounding of its figures (with
        // them running, a child's whole time falls in the pass its worker waited for it, from before the pass too).
        var sectionStart = markdown.IndexOf("**Where the machine's ", StringComparison.Ordinal);
        var tableStart = markdown.IndexOf("| Pass | Seconds | ", StringComparison.Ordinal);
        Assert.True(sectionStart >= 0 && tableStart > sectionStart, "No table of where the cores went during each pass.");
        var coresSection = markdown[sectionStart..markdown.IndexOf("\n\n", tableStart, StringComparison.Ordinal)];
        foreach (var call in new[] { "`POST /upload/request`", "`POST /jobs`", "`GET /jobs/{id}`" })
        {
            foreach (var workers in new[] { "paused", "running" })
            {
                Assert.Contains($"{call}, the workers {workers}", coresSection, StringComparison.Ordinal);
            }
        }

        var sectionLines = coresSection.Split('\n');
        var passColumns = Assert.Single(sectionLines, line => line.StartsWith("| Pass | Seconds | ", StringComparison.Ordinal)).Split('|', StringSplitOptions.TrimEntries)[1..^1];
        var apiColumn = Array.IndexOf(passColumns, "API");
        var restColumn = Array.IndexOf(passColumns, "The rest of the machine");
        Assert.True(apiColumn > 0 && restColumn > 0, "No API or rest column in where the cores went during each pass.");
        var passRows = sectionLines.Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries)[1..^1]).ToList();
        Assert.Equal(2, passRows.Count(row => row[0].StartsWith("`GET ", StringComparison.Ordinal)));
        foreach (var row in passRows)
        {
            var seconds = double.Parse(row[1], CultureInfo.InvariantCulture);
            Assert.True(seconds >= 0.2, $"{row[0]}: shorter than the table shows.");
            // Cores × seconds: the rest in CPU seconds, of which the ticks' rounding may take a few hundredths.
            Assert.True(row[0].EndsWith("running", StringComparison.Ordinal) || double.Parse(row[restColumn], CultureInfo.InvariantCulture) * seconds >= -0.05,
                $"{row[0]}: the rest of the machine below zero.");
            if (row[0].StartsWith("`GET ", StringComparison.Ordinal))
            {
                Assert.True(double.Parse(row[apiColumn], CultureInfo.InvariantCulture) > 0, $"{row[0]}: the API had no CPU time.");
            }
        }

        // The writes as the API itself timed them, summed over the rounds, under "What limits these numbers".
        Assert.Matches(@"As the API itself timed the writes \(`http.server.request.duration`.*timings over 25 ms were: `POST /upload/request` [0-9,]+ of [1-9][0-9,]* ", markdown);

        Assert.DoesNotContain("NaN", markdown, StringComparison.Ordinal);
        Assert.Contains("- **Machine:**", markdown, StringComparison.Ordinal);

        // The run's results were saved, without its API key, and write the same report again, measuring nothing.
        var saved = Path.Combine(_work.FullName, "work", "results.json");
        Assert.DoesNotContain(system.Account.ApiKey, await File.ReadAllTextAsync(saved), StringComparison.Ordinal);
        var again = Path.Combine(_work.FullName, "again.md");
        var (againExitCode, againText) = await LoadTestTool.RunInAsync(_work.FullName, TimeSpan.FromMinutes(2), ["benchmark-report", "--results", saved, "--report", again]);
        Assert.True(againExitCode == 0, againText);
        Assert.Equal(markdown, await File.ReadAllTextAsync(again));
    }

    [Fact]
    public async Task Api_rounds_with_the_workers_running_measures_every_call_and_says_the_workers_ran()
    {
        var file = Path.Combine(_work.FullName, "api-rounds-workers-running.json");
        var (exitCode, text) = await LoadTestTool.RunInAsync(_work.FullName, TimeSpan.FromMinutes(5), [
            "api-rounds", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey,
            "--api-management-url", system.ApiManagement.BaseAddress!.ToString(),
            // No worker executable given: a version that paused the workers would have none to pause, and fail, where
            // with one it could pause other test systems' workers running the same build.
            "--runs", "1", "--api-concurrency", "4", "--api-duration", "1s", "--api-max-jobs", "10",
            "--database", "SQLite", "--pooling", "the API's own", "--workers-running", "--output", file]);
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        var measured = await DatabaseRounds.ReadAsync(file, CancellationToken.None);
        Assert.True(measured.WorkersRunning);
        var round = Assert.Single(measured.Rounds);
        foreach (var phase in new[] { round.Create, round.Submit, round.Read, round.AtTargetRate!.Create, round.AtTargetRate.Submit, round.AtTargetRate.Read })
        {
            Assert.True(phase.Calls > 0, $"{phase.Call}: no calls");
        }

        // Every write answered; the reads, thousands a second, meet the test system's rate limit (scripts/benchmark lifts
        // it). The writes, 10 a pass, fit in what the bucket refills while the queue settles after the warm-up.
        Assert.All(new[] { round.Create, round.Submit, round.AtTargetRate.Create, round.AtTargetRate.Submit }, phase => Assert.Equal(0, phase.Errors));

        // Each phase of submissions followed its uploads at once, meeting the API recording their events.
        Assert.Null(round.Submit.UploadEvents);
        Assert.Null(round.AtTargetRate.Submit.UploadEvents);
    }

    private static string SystemWorkerExecutable()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0/
        return Path.Combine(RepositoryPaths.Root, "VideoConversion.Worker", "bin", configuration, "net10.0", "VideoConversion.Worker");
    }

    public void Dispose() => _work.Delete(recursive: true);
}
