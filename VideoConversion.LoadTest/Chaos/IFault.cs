using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Chaos;

/// <summary>A fault injected into a running system during a load run, and taken away again.</summary>
public interface IFault : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Injects the fault once the run is under way (it may wait for a job to be converting).</summary>
    Task InjectAsync(LoadRun run, CancellationToken cancellationToken);
}
