using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Chaos;

/// <summary>
/// Keeps every core of this machine about 80% busy for the rest of the run, as a noisy neighbour
/// would: FFmpeg gets less CPU, jobs take longer, and none may fail. Local only (on Kubernetes the
/// workers run elsewhere; stress their nodes with the same command run there).
/// </summary>
public sealed class CpuStressFault(double load = 0.8) : IFault
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];

    public string Name => "cpu-stress";

    public Task InjectAsync(LoadRun run, CancellationToken cancellationToken)
    {
        for (var core = 0; core < Environment.ProcessorCount; core++)
        {
            var thread = new Thread(Burn) { IsBackground = true, Priority = ThreadPriority.Normal, Name = $"cpu-stress-{core}" };
            _threads.Add(thread);
            thread.Start();
        }

        run.Note($"cpu-stress: {Environment.ProcessorCount} threads keep each core {load:P0} busy");
        return Task.CompletedTask;
    }

    /// <summary>Busy for load × slice, asleep for the rest, until stopped.</summary>
    private void Burn()
    {
        var busy = Slice * load;
        while (!_stop.IsCancellationRequested)
        {
            var until = DateTime.UtcNow + busy;
            while (DateTime.UtcNow < until)
            {
                Thread.SpinWait(1000);
            }

            Thread.Sleep(Slice - busy);
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
