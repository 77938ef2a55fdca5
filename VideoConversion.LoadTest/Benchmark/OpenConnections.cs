namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The clients' connections opened before a phase's clock starts, so that the phase times requests and not connecting, as
/// load tools time a request (wrk connects first; k6 reports connecting apart from a request's duration). Without it a
/// round's first phase, of 1,000 calls then, opened its 32 connections inside its first 32 calls: more than the slowest
/// 1 %, whose p99 they would then decide. A phase that finds its connections already open (the phases of a round share a client)
/// opens none, and these calls only meet them.
/// </summary>
public static class OpenConnections
{
    /// <summary>Opening is preparation: should the API not answer by then, the phase opens what it lacks itself.</summary>
    internal static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Untimed: an unknown job (a 404, no database read or write) asked for by <paramref name="clients"/> calls at once,
    /// each response held, its body unread, until every call has its answer's headers. A connection stays busy while its
    /// response is unread, so no call can reuse another's, however fast the API answers: each one that finds no idle
    /// connection opens one. A call that fails is the phase's to meet, not this one's.
    /// </summary>
    public static async Task OpenAsync(HttpClient http, int clients, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        var responses = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => TryAskAsync(http, cancellationToken, limit.Token)));
        foreach (var response in responses)
        {
            response?.Dispose();
        }
    }

    private static async Task<HttpResponseMessage?> TryAskAsync(HttpClient http, CancellationToken cancellationToken, CancellationToken limit)
    {
        try
        {
            return await http.GetAsync(new Uri("/jobs/connection-check", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, limit);
        }
        catch (Exception exception) when (ApiBenchmark.IsFailedCall(exception, cancellationToken))
        {
            return null;
        }
    }
}
