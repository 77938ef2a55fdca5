using System.CommandLine;
using Spectre.Console;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// "benchmark-report": writes a benchmark run's report again from the results it saved (<see cref="SavedBenchmark"/>),
/// measuring nothing: for a report whose wording changed since the run.
/// </summary>
public static class BenchmarkReportCommand
{
    public static Command Build()
    {
        var results = new Option<FileInfo>("--results")
        {
            Description = $"The run's saved results: {SavedBenchmark.FileName} in its --work-dir.",
            DefaultValueFactory = _ => new FileInfo(Path.Combine("artifacts", "benchmarks", "system", SavedBenchmark.FileName)),
        };
        var report = new Option<FileInfo>("--report") { DefaultValueFactory = _ => new FileInfo(Path.Combine("docs", "BENCHMARKS.md")) };
        var command = new Command("benchmark-report", "Writes a benchmark run's Markdown report again from its saved results, measuring nothing.")
        {
            results, report,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var saved = await SavedBenchmark.ReadAsync(parse.GetValue(results)!.FullName, cancellationToken);
                var path = parse.GetValue(report)!.FullName;
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, saved.Markdown(), cancellationToken);
                return 0;
            }
            catch (LoadTestException problem)
            {
                AnsiConsole.Console.MarkupLine($"[red]{Markup.Escape(problem.Message)}[/]");
                return 2;
            }
        });
        return command;
    }
}
