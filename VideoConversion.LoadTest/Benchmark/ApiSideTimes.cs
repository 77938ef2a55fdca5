using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// What the API's own histograms (its /metrics) counted around one pass of calls: the pass's requests, from when the server
/// had parsed each one's headers to its answer written, and the database writer's steps. Set against the clients' slowest
/// calls, it says where their time went: a call slow at the client but not in that span waited outside it (in the API
/// process's own socket and thread-pool queues, the network, the machine or the clients); a slow log flush holds every
/// write of the batches it makes durable.
/// </summary>
/// <param name="Requests">The pass's call as the server timed it (<c>http.server.request.duration</c>).</param>
/// <param name="Batches">The writer's batches, BEGIN to COMMIT (<c>videoconversion.database.batch.duration</c>).</param>
/// <param name="Flushes">SQLite: the write-ahead log's fsyncs that writes wait for (<c>videoconversion.database.flush.duration</c>).</param>
/// <param name="Checkpoints">SQLite: the checkpoints, on a thread of their own (<c>videoconversion.database.checkpoint.duration</c>).</param>
/// <param name="Unread">Why the page could not be read before or after the pass (then every step is empty); null when it was.</param>
public sealed record ApiSideTimes(StepTimes Requests, StepTimes Batches, StepTimes Flushes, StepTimes Checkpoints, string? Unread = null)
{
    /// <summary>
    /// How long a reading waits before it asks: the API's exporter answers /metrics from its last page for 300 ms
    /// (OpenTelemetry's Prometheus exporter's default), and a reading must not be an older page (the queue's readings
    /// between passes read it too, and a short pass would read its own first page again).
    /// </summary>
    public static readonly TimeSpan CacheWait = TimeSpan.FromMilliseconds(350);

    /// <summary>
    /// How long one reading waits for the page: it is optional, and it is taken while the workers are paused, yet a busy
    /// API on a loaded 2-core machine may still be applying the pass's aftermath.
    /// </summary>
    public static readonly TimeSpan ReadingTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A reading at most: the cache waited out, then the page.</summary>
    public static readonly TimeSpan LongestReading = CacheWait + ReadingTimeout;

    /// <summary>
    /// Before any measurement: the management address given must serve the API's metrics. A wrong one is said at once, not
    /// after an hour of measurements whose API side would all be missing; later, a pass's reading that fails only leaves
    /// that pass without it (<see cref="Unread"/>).
    /// </summary>
    /// <exception cref="LoadTestException">It answers with an error, or with a page that is not Prometheus metrics.</exception>
    public static async Task CheckAsync(ApiEndpoint api, CancellationToken cancellationToken)
    {
        using var management = api.CreateManagementClient(ReadingTimeout);
        if (management is null)
        {
            return;
        }

        string page;
        try
        {
            page = await management.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
        }
        catch (HttpRequestException refused)
        {
            throw new LoadTestException(
                $"The API's management address ({management.BaseAddress}) does not serve /metrics ({refused.StatusCode?.ToString() ?? refused.Message}): check --api-management-url.");
        }

        if (!page.Contains("# TYPE ", StringComparison.Ordinal))
        {
            throw new LoadTestException($"{management.BaseAddress}metrics is not a Prometheus metrics page: check --api-management-url.");
        }
    }

    /// <summary>The API's histograms read at one moment, for <see cref="Between"/>; or why they could not be.</summary>
    public sealed record Reading(PrometheusHistogram Requests, PrometheusHistogram Batches, PrometheusHistogram Flushes, PrometheusHistogram Checkpoints, string? Unread = null)
    {
        /// <param name="call">The pass's call, as the API's metrics label it.</param>
        public static Reading Parse(string prometheusText, ApiCall call) => new(
            PrometheusHistogram.Parse(prometheusText, "http_server_request_duration_seconds", ("http_request_method", call.Method), ("http_route", call.Route)),
            PrometheusHistogram.Parse(prometheusText, "videoconversion_database_batch_duration_seconds"),
            PrometheusHistogram.Parse(prometheusText, "videoconversion_database_flush_duration_seconds"),
            PrometheusHistogram.Parse(prometheusText, "videoconversion_database_checkpoint_duration_seconds"));

        private static Reading Failed(string why) =>
            new(PrometheusHistogram.Empty, PrometheusHistogram.Empty, PrometheusHistogram.Empty, PrometheusHistogram.Empty, why);

        /// <summary>
        /// The API's /metrics for <paramref name="call"/>, after <see cref="CacheWait"/> (a client with a timeout of
        /// <see cref="ReadingTimeout"/>); null when no management address was given.
        /// </summary>
        public static async Task<Reading?> ReadAsync(HttpClient? management, ApiCall call, CancellationToken cancellationToken)
        {
            if (management is null)
            {
                return null;
            }

            await Task.Delay(CacheWait, cancellationToken);
            try
            {
                return Parse(await management.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken), call);
            }
            catch (HttpRequestException failed)
            {
                return Failed(failed.StatusCode is { } status ? $"/metrics answered {(int)status}" : $"/metrics could not be reached: {failed.Message}");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Failed($"/metrics did not answer within {ReadingTimeout.TotalSeconds:F0} s");
            }
        }
    }

    /// <summary>What happened between two readings; null when none were made, unread when either failed.</summary>
    public static ApiSideTimes? Between(Reading? before, Reading? after)
    {
        if (before is null || after is null)
        {
            return null;
        }

        if ((before.Unread ?? after.Unread) is { } unread)
        {
            var none = StepTimes.Of(PrometheusHistogram.Empty);
            return new ApiSideTimes(none, none, none, none, unread);
        }

        return new ApiSideTimes(
            StepTimes.Of(after.Requests.Since(before.Requests)),
            StepTimes.Of(after.Batches.Since(before.Batches)),
            StepTimes.Of(after.Flushes.Since(before.Flushes)),
            StepTimes.Of(after.Checkpoints.Since(before.Checkpoints)));
    }
}
