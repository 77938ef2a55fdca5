using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// What the API's own histograms (its /metrics) say of one pass of calls: its requests of the pass's call from when the
/// server began each to when it answered, and the database writer's steps. Set against the clients' slowest calls, it says
/// where their time went: a call slow at the client but not in the server was held before the server began it or after
/// it answered (the network, the machine, the clients); a slow log flush holds every write of the batches it makes durable.
/// </summary>
/// <param name="Requests">The pass's call as the server timed it (<c>http.server.request.duration</c>).</param>
/// <param name="Batches">The writer's batches, BEGIN to COMMIT (<c>videoconversion.database.batch.duration</c>).</param>
/// <param name="Flushes">SQLite: the write-ahead log's fsyncs that writes wait for (<c>videoconversion.database.flush.duration</c>).</param>
/// <param name="Checkpoints">SQLite: the checkpoints, on a thread of their own (<c>videoconversion.database.checkpoint.duration</c>).</param>
public sealed record ApiSideTimes(StepTimes Requests, StepTimes Batches, StepTimes Flushes, StepTimes Checkpoints)
{
    /// <summary>
    /// How long the API's exporter answers /metrics from its last page (OpenTelemetry's Prometheus exporter's default): each
    /// reading waits it out, so that it is not an older page (the queue's readings between passes read it too, and a short
    /// pass would read its own first page again).
    /// </summary>
    public static readonly TimeSpan ExporterCache = TimeSpan.FromMilliseconds(300);

    /// <summary>How long one reading waits for the page: it is optional, and it is taken while the workers are paused.</summary>
    public static readonly TimeSpan ReadingTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A reading at most: the cache waited out, then the page.</summary>
    public static readonly TimeSpan LongestReading = ExporterCache + TimeSpan.FromMilliseconds(50) + ReadingTimeout;

    /// <summary>The API's histograms read at one moment, for <see cref="Between"/>.</summary>
    public sealed record Reading(PrometheusHistogram Requests, PrometheusHistogram Batches, PrometheusHistogram Flushes, PrometheusHistogram Checkpoints)
    {
        /// <param name="call">The pass's call, as the API's metrics label it.</param>
        public static Reading Parse(string prometheusText, ApiCall call) => new(
            PrometheusHistogram.Parse(prometheusText, "http_server_request_duration_seconds", ("http_request_method", call.Method), ("http_route", call.Route)),
            PrometheusHistogram.Parse(prometheusText, "videoconversion_database_batch_duration_seconds"),
            PrometheusHistogram.Parse(prometheusText, "videoconversion_database_flush_duration_seconds"),
            PrometheusHistogram.Parse(prometheusText, "videoconversion_database_checkpoint_duration_seconds"));

        /// <summary>
        /// The API's /metrics for <paramref name="call"/> (a client with a timeout of <see cref="ReadingTimeout"/>); null when
        /// the API does not answer in time (the pass is measured without it).
        /// </summary>
        /// <exception cref="LoadTestException">The management address answers, but not with a metrics page: a wrong address, said at once.</exception>
        public static async Task<Reading?> ReadAsync(HttpClient? management, ApiCall call, CancellationToken cancellationToken)
        {
            if (management is null)
            {
                return null;
            }

            await Task.Delay(ExporterCache + TimeSpan.FromMilliseconds(50), cancellationToken);
            try
            {
                return Parse(await management.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken), call);
            }
            catch (HttpRequestException refused) when (refused.StatusCode is { } status)
            {
                throw new LoadTestException(
                    $"The API's management address answered {(int)status} for /metrics: check --api-management-url ({management.BaseAddress}).");
            }
            catch (Exception unread) when (unread is HttpRequestException || (unread is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return null;
            }
        }
    }

    /// <summary>What happened between two readings; null when either is missing.</summary>
    public static ApiSideTimes? Between(Reading? before, Reading? after) =>
        before is null || after is null
            ? null
            : new ApiSideTimes(
                StepTimes.Of(after.Requests.Since(before.Requests)),
                StepTimes.Of(after.Batches.Since(before.Batches)),
                StepTimes.Of(after.Flushes.Since(before.Flushes)),
                StepTimes.Of(after.Checkpoints.Since(before.Checkpoints)));
}
