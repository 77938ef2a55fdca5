namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The clients' connections opened before a phase's clock starts, so that the phase times requests and not connecting, as
/// load tools time a request (wrk connects first; k6 reports connecting apart from a request's duration). Without it a
/// round's first phase opened its 32 connections inside its first 32 of 1,000 calls: more than the slowest 1 %, whose
/// p99 they would then decide. A phase that finds its connections already open (the phases of a round share a client)
/// opens none, and these calls only meet them.
/// </summary>
public static class OpenConnections
{
    /// <summary>
    /// Untimed: an unknown job (404, no write) read by <paramref name="clients"/> calls at once, each on a connection of its
    /// own when none is idle, as the phase's clients would open them.
    /// </summary>
    public static Task OpenAsync(HttpClient http, int clients, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            using var response = await http.GetAsync(new Uri("/jobs/connection-check", UriKind.Relative), cancellationToken);
        }));
}
