using System.Globalization;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Samples the resident memory (VmRSS in /proc) of local processes whose command line matches a
/// pattern, every 100 ms, and keeps each pattern's peak, the largest single process's: how much memory one
/// process of a service (one API, one worker) used while something went through it. Linux only; the processes
/// must run on this machine.
/// </summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly IReadOnlyDictionary<string, string> _patterns;
    private readonly Dictionary<string, long> _peakKilobytes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    /// <param name="patterns">Name → a substring of the process's command line, e.g. "api" → "/VideoConversion.Api".</param>
    public MemorySampler(IReadOnlyDictionary<string, string> patterns)
    {
        _patterns = patterns;
        _sampling = Task.Run(SampleAsync);
    }

    /// <summary>Peak resident memory per name, in MiB, for the samples taken so far (of the largest matching process).</summary>
    public IReadOnlyDictionary<string, double> PeakMebibytes
    {
        get
        {
            lock (_peakKilobytes)
            {
                return _peakKilobytes.ToDictionary(entry => entry.Key, entry => entry.Value / 1024.0);
            }
        }
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var byName = _patterns.Keys.ToDictionary(name => name, _ => 0L);
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                var name = MatchingName(directory);
                if (name is not null && ResidentKilobytes(directory) is { } kilobytes)
                {
                    byName[name] = Math.Max(byName[name], kilobytes);
                }
            }

            lock (_peakKilobytes)
            {
                foreach (var (name, kilobytes) in byName)
                {
                    _peakKilobytes[name] = Math.Max(_peakKilobytes.GetValueOrDefault(name), kilobytes);
                }
            }

            try
            {
                await Task.Delay(Interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string? MatchingName(string processDirectory)
    {
        try
        {
            var commandLine = File.ReadAllText(Path.Combine(processDirectory, "cmdline")).Replace('\0', ' ');
            // The service's own executable, not `dotnet run --project …/X.csproj` around it.
            return _patterns.FirstOrDefault(pattern =>
                commandLine.Contains(pattern.Value + " ", StringComparison.Ordinal) || commandLine.TrimEnd().EndsWith(pattern.Value, StringComparison.Ordinal)).Key;
        }
        catch (IOException)
        {
            return null; // the process ended, or is not ours to read
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? ResidentKilobytes(string processDirectory)
    {
        try
        {
            var line = File.ReadLines(Path.Combine(processDirectory, "status")).FirstOrDefault(text => text.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
