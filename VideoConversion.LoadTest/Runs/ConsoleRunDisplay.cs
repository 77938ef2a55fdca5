using System.Globalization;
using Spectre.Console;

namespace VideoConversion.LoadTest.Runs;

/// <summary>
/// Progress in the terminal: one status line a second (done, converting, waiting in the queue,
/// workers), each failed job and each injected fault as it happens. Plain lines, so a CI log and
/// a terminal read the same; colours where the terminal has them.
/// </summary>
public sealed class ConsoleRunDisplay(IAnsiConsole console) : IRunDisplay
{
    private readonly Lock _lock = new();

    public void Sample(TimelinePoint point, int totalJobs)
    {
        // Short enough for an 80-column log.
        var bar = Bar(point.Done, totalJobs, 12);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{point.Seconds,5:F0}s [green]{bar}[/] {point.Done}/{totalJobs} done, {point.Busy} converting, " +
            $"queue {Number(point.Waiting)}, workers {Number(point.Workers)}");
        Write(line);
    }

    public void JobFinished(JobResult job)
    {
        if (!job.Succeeded)
        {
            Write($"[red]job {Markup.Escape(job.JobId)} {job.Status}[/]: {Markup.Escape(job.Error ?? "")}");
        }
    }

    public void Note(string message) => Write($"[yellow]{Markup.Escape(message)}[/]");

    private void Write(string markup)
    {
        lock (_lock)
        {
            console.MarkupLine(markup);
        }
    }

    private static string Number(double? value) => value is { } number ? number.ToString("F0", CultureInfo.InvariantCulture) : "?";

    private static string Bar(int done, int total, int width)
    {
        var filled = total == 0 ? width : (int)Math.Round(width * (double)done / total);
        return new string('█', filled) + new string('░', width - filled);
    }
}
