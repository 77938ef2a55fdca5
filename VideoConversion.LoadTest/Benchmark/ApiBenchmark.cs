using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The API under concurrent clients: job creation (POST /upload/request), job submission (POST /jobs, for jobs whose
/// upload is in storage and was announced by it) and, as the floor, reading a job, each for a fixed time, with every call's
/// latency; then each again at the target's rate (<see cref="TargetRate"/>), started on a schedule (<see cref="PacedCalls"/>).
/// The submitted "videos" are a few bytes of text: the workers reject them quickly, so
/// the measurement is the API's, with the rest of the system running as usual.
/// </summary>
/// <param name="maxJobs">
/// Jobs created (and submitted) at most in each pass, whatever the duration: each submitted one is work for the workers.
/// The calls on a schedule make this many each.
/// </param>
/// <param name="startCoresClock">
/// Starts the clock of where the machine's cores go (<see cref="CoresClock"/>) for each pass of a round (not the
/// warm-up's), or gives null where the system's workers are not found on this machine; null when the cores are not measured.
/// </param>
public sealed class ApiBenchmark(
    ApiEndpoint api, int concurrency, TimeSpan duration, int maxJobs, Func<CancellationToken, Task<CoresClock?>>? startCoresClock = null)
{
    /// <summary>Calls a second the write path's target asks for: its latency is measured at this rate.</summary>
    public const double TargetRate = 1000;

    /// <summary>
    /// Jobs created and submitted at most in each pass unless told otherwise. 1,000 made a pass as fast as the clients go
    /// last 0.2 s on a 2-core machine at its quickest: a p99 decided by its 10 slowest calls, and too short for /proc's
    /// ticks to say where the cores went (<see cref="ApiCoresReport"/>). 2,000 doubles both, and the workers' rejections
    /// of each round's jobs after it.
    /// </summary>
    public const int DefaultMaxJobs = 2000;

    /// <summary>The <c>--api-max-jobs</c> option's description, for both commands that take it.</summary>
    public const string MaxJobsDescription =
        "Jobs created and submitted at most in each of a round's two passes (as fast as the clients go, then on a schedule at 1,000/s).";

    /// <summary>
    /// What a pass adds at most to its duration while the workers are paused: opening the clients' connections, the
    /// API's /metrics read before and after it, and the cores' clock started and stopped around it.
    /// </summary>
    public static readonly TimeSpan BesideEachPass = OpenConnections.Limit + 2 * ApiSideTimes.LongestReading + CoresClockAround;

    /// <summary>
    /// The cores' clock around a pass: finding the workers (pgrep) and a scan of /proc at its start and at its stop,
    /// tens of milliseconds on a loaded 2-core machine; a second is the margin.
    /// </summary>
    private static readonly TimeSpan CoresClockAround = TimeSpan.FromSeconds(1);

    /// <summary>The longest pass the workers' pause allows (<see cref="PausedWorkers.Longest"/>).</summary>
    public static TimeSpan LongestDuration => PausedWorkers.Longest - BesideEachPass;

    /// <param name="UploadEvents">Submissions only: the wait for storage's events of the phase's uploads to be recorded before it.</param>
    /// <param name="ClientPauseMilliseconds">
    /// How long the load tool's own garbage collections stopped it during the phase: calls in flight then, or due then, count
    /// that pause in their latency although the API did not cause it.
    /// </param>
    /// <param name="SlowestCalls">
    /// The slowest few calls, each with when in the phase it started (or, on a schedule, was due): calls all waiting at one
    /// instant may have met one hold-up, of the API or of the machine (<see cref="SlowestCallsReport"/>).
    /// </param>
    /// <param name="LatestTimer">
    /// Calls on a schedule only: the load tool's 1 ms timer woken latest, and when. A timer that cannot run on time is
    /// a hold-up of the load tool itself, by its own pauses or by the machine: the calls due then are started late by it.
    /// </param>
    /// <param name="ApiSide">
    /// The pass as the API's own metrics timed it; absent when its /metrics is not read (no management address given, or
    /// several API processes), and marked <see cref="ApiSideTimes.Unread"/> when a reading around the pass failed.
    /// </param>
    /// <param name="Cores">
    /// Where the machine's cores went during the pass, the API's share among them (<see cref="ApiCoresReport"/>); absent when
    /// not measured (a run saved before the passes' cores were, the warm-up, or the system's workers not found on this machine).
    /// </param>
    public sealed record Phase(
        string Call, int Calls, int Errors, double Seconds, double PerSecond, Distribution LatencyMilliseconds,
        UploadEventsRecorded.Wait? UploadEvents = null, double? ClientPauseMilliseconds = null, IReadOnlyList<TimedCall>? SlowestCalls = null,
        LateTimer? LatestTimer = null, ApiSideTimes? ApiSide = null, CoresTime? Cores = null)
    {
        /// <summary>
        /// A pass of <paramref name="timed"/> calls over <paramref name="seconds"/>: its rate, latencies and slowest calls, and
        /// the load tool's GC pause since <paramref name="pausedBefore"/> (<see cref="GC.GetTotalPauseDuration"/> at its start).
        /// </summary>
        public static Phase Of(
            string call, IReadOnlyCollection<TimedCall> timed, int errors, double seconds, TimeSpan pausedBefore, LateTimer? latestTimer = null) =>
            new(call, timed.Count, errors, seconds, timed.Count / seconds, Distribution.Of(timed.Select(each => each.LatencyMilliseconds)),
                ClientPauseMilliseconds: (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds, SlowestCalls: TimedCall.Slowest(timed),
                LatestTimer: latestTimer);
    }

    /// <summary>The three calls, each started on a schedule at <paramref name="OfferedPerSecond"/>: latency at that rate.</summary>
    public sealed record PacedRound(double OfferedPerSecond, Phase Create, Phase Submit, Phase Read)
    {
        /// <summary>This round's phase of <paramref name="call"/> ("POST /jobs", …).</summary>
        public Phase Of(string call) => new[] { Create, Submit, Read }.Single(phase => phase.Call == call);
    }

    /// <summary>One round of the three calls, one after the other, as fast as the clients go; then at the target's rate.</summary>
    /// <param name="AtTargetRate">The same calls on a schedule at <see cref="TargetRate"/> (absent in a round made without it).</param>
    public sealed record Round(Phase Create, Phase Submit, Phase Read, PacedRound? AtTargetRate = null)
    {
        /// <summary>The round that stands for several: the one in the middle by submissions a second.</summary>
        public static Round Middle(IReadOnlyList<Round> rounds) => rounds.OrderBy(round => round.Submit.PerSecond).ElementAt(rounds.Count / 2);

        /// <summary>This round's phase of <paramref name="call"/> ("POST /jobs", …).</summary>
        public Phase Of(string call) => new[] { Create, Submit, Read }.Single(phase => phase.Call == call);
    }

    /// <summary>Jobs created (and submitted) in each pass of the warm-up (<see cref="WarmUpAsync"/>), fewer if a round's are.</summary>
    public const int WarmUpJobs = 500;

    /// <summary>The warm-up's time for reading a job, less if a round's is.</summary>
    public static readonly TimeSpan WarmUpDuration = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A round as <see cref="RunAsync"/> makes it, shorter, that is not judged: the rounds then meet the API as it runs for
    /// long. Its first calls compile its code (the JIT, then the optimizing tier for what runs often), fill its caches and
    /// pools, and leave the runtime's one-time work to its finalizer; on this project's 2-core machine that took the first
    /// measured round's p99 of the writes to 300 ms and more, and later rounds' to a tenth of it.
    /// </summary>
    public Task<Round> WarmUpAsync(
        CancellationToken cancellationToken, Func<CancellationToken, Task<IAsyncDisposable>>? isolate = null, Func<CancellationToken, Task>? settle = null) =>
        new ApiBenchmark(api, concurrency, WarmUpDuration < duration ? WarmUpDuration : duration, Math.Min(WarmUpJobs, maxJobs))
            .RunAsync(cancellationToken, isolate, settle);

    /// <summary>Medians, one call at a time: reading a job, and submitting one whose upload is missing (the storage check alone, no write).</summary>
    public sealed record Anatomy(double ReadMilliseconds, double StorageCheckMilliseconds);

    public async Task<Anatomy> AnatomyAsync(CancellationToken cancellationToken)
    {
        using var http = api.CreateClient(TimeSpan.FromSeconds(30));
        List<double> reads = [], checks = [];
        for (var i = 0; i < 10; i++)
        {
            using var created = await http.PostAsJsonAsync("/upload/request", new { filename = "anatomy.mp4", content_type = "video/mp4" }, cancellationToken);
            var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("job_id").GetString()!;

            var started = Stopwatch.GetTimestamp();
            using (await http.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative), cancellationToken))
            {
                reads.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            started = Stopwatch.GetTimestamp();
            using (await http.PostAsJsonAsync("/jobs", new { job_id = jobId }, cancellationToken))
            {
                checks.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        return new Anatomy(Percentiles.Of(reads, 50)!.Value, Percentiles.Of(checks, 50)!.Value);
    }

    /// <param name="isolate">Called before each measured call's phase; what it returns is disposed after it (the workers paused meanwhile).</param>
    /// <param name="settle">
    /// Called after each phase of submissions, before the next phase: returns once the workers have taken its jobs (the
    /// queue empty, and a moment for the last ones in hand), so the next phase meets little of the last one's aftermath.
    /// </param>
    /// <param name="awaitUploadEvents">
    /// Whether each phase of submissions waits for the API to record its uploads' events first (<see cref="UploadEventsRecorded"/>);
    /// without it, the submissions meet the API recording them, as in a busy deployment.
    /// </param>
    public async Task<Round> RunAsync(
        CancellationToken cancellationToken, Func<CancellationToken, Task<IAsyncDisposable>>? isolate = null, Func<CancellationToken, Task>? settle = null,
        bool awaitUploadEvents = true)
    {
        settle ??= _ => Task.CompletedTask;
        using var http = api.CreateClient(TimeSpan.FromSeconds(30), new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 });

        // Jobs that wait for POST /jobs (start "submit"), so the submissions' phases measure submissions: storage's event has
        // recorded each upload by then (UploadEventsRecorded), and the call writes without a storage request.
        var created = new ConcurrentQueue<(string JobId, Uri Url)>();
        var calls = 0;
        var create = await MeasureAsync(http, ApiCall.Create, isolate, () => Interlocked.Increment(ref calls) <= maxJobs,
            () => CreateAsync(http, created, cancellationToken), cancellationToken);
        var createdOnSchedule = new ConcurrentQueue<(string JobId, Uri Url)>();
        var createOnSchedule = await MeasurePacedAsync(
            http, ApiCall.Create, isolate, maxJobs, () => CreateAsync(http, createdOnSchedule, cancellationToken), cancellationToken);

        // Each phase of submissions follows its own jobs' uploads, and starts once the API has recorded their events (as
        // a client meets it: its upload's event is recorded by the time it calls), unless the round is to meet them.
        // Between phases the workers run and reject the jobs just submitted, and the API applies their reports: the next
        // phase waits for the workers to take them (settle), or, without it, meets some of those writes.
        var uploaded = await UploadAsync(created, cancellationToken);
        var events = awaitUploadEvents ? await UploadEventsRecorded.WaitAsync(http, uploaded, concurrency, cancellationToken) : null;
        var submit = await MeasureAsync(http, ApiCall.Submit, isolate, () => !uploaded.IsEmpty, () => SubmitAsync(http, uploaded, cancellationToken), cancellationToken)
            with { UploadEvents = events };
        await settle(cancellationToken);
        var uploadedForSchedule = await UploadAsync(createdOnSchedule, cancellationToken);
        var eventsForSchedule = awaitUploadEvents ? await UploadEventsRecorded.WaitAsync(http, uploadedForSchedule, concurrency, cancellationToken) : null;
        var submitOnSchedule = await MeasurePacedAsync(
            http, ApiCall.Submit, isolate, uploadedForSchedule.Count, () => SubmitAsync(http, uploadedForSchedule, cancellationToken), cancellationToken)
            with { UploadEvents = eventsForSchedule };
        await settle(cancellationToken);

        // The floor of the same run: reading a job goes through the same server, authentication and rate limiting, and
        // writes nothing.
        var read = created.TryPeek(out var sample) ? sample.JobId : null;
        var reading = await MeasureAsync(http, ApiCall.Read, isolate, () => read is not null, () => ReadAsync(http, read, cancellationToken), cancellationToken);
        var readingOnSchedule = await MeasurePacedAsync(
            http, ApiCall.Read, isolate, read is null ? 0 : maxJobs, () => ReadAsync(http, read, cancellationToken), cancellationToken);
        return new Round(create, submit, reading, new PacedRound(TargetRate, createOnSchedule, submitOnSchedule, readingOnSchedule));
    }

    private static async Task<bool> CreateAsync(HttpClient http, ConcurrentQueue<(string JobId, Uri Url)> created, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(
            "/upload/request", new { filename = "bench.mp4", content_type = "video/mp4", start = "submit" }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return false;
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        created.Enqueue((body.GetProperty("job_id").GetString()!, new Uri(body.GetProperty("presigned_url").GetString()!)));
        return true;
    }

    /// <summary>Each created job's "video" put in storage: the job ids whose upload succeeded.</summary>
    private async Task<ConcurrentQueue<string>> UploadAsync(IEnumerable<(string JobId, Uri Url)> created, CancellationToken cancellationToken)
    {
        var uploaded = new ConcurrentQueue<string>();
        var toUpload = new ConcurrentQueue<(string JobId, Uri Url)>(created);
        // Storage gets the presigned URL alone: the API key is the API's, and never leaves for another host.
        using var storage = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { Timeout = TimeSpan.FromSeconds(30) };
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (toUpload.TryDequeue(out var job))
            {
                using var content = new ByteArrayContent("not a video"u8.ToArray());
                content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
                using var response = await storage.PutAsync(job.Url, content, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    uploaded.Enqueue(job.JobId);
                }
            }
        }));
        return uploaded;
    }

    /// <summary>Submits the next uploaded job; with none left, a call that is not made (true, counted as none failed).</summary>
    private static async Task<bool> SubmitAsync(HttpClient http, ConcurrentQueue<string> uploaded, CancellationToken cancellationToken)
    {
        if (!uploaded.TryDequeue(out var jobId))
        {
            return true;
        }

        using var response = await http.PostAsJsonAsync("/jobs", new { job_id = jobId }, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    private static async Task<bool> ReadAsync(HttpClient http, string? jobId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative), cancellationToken);
        return response.IsSuccessStatusCode;
    }

    /// <summary><paramref name="calls"/> calls of <paramref name="call"/> at <see cref="TargetRate"/>, from at most <c>concurrency</c> clients.</summary>
    private async Task<Phase> MeasurePacedAsync(
        HttpClient http, ApiCall measured, Func<CancellationToken, Task<IAsyncDisposable>>? isolate, int calls, Func<Task<bool>> call,
        CancellationToken cancellationToken)
    {
        await using var isolated = isolate is null ? null : await isolate(cancellationToken);
        await OpenConnections.OpenAsync(http, concurrency, cancellationToken);
        // No longer than a phase of the clients as fast as they go: the workers stay paused within the broker's patience.
        return await WithApiSideAsync(
            measured, () => PacedCalls.MeasureAsync(measured.Name, TargetRate, calls, concurrency, duration, call, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The pass <paramref name="measure"/> makes, with what the API's own histograms counted around it (<see cref="ApiSideTimes"/>),
    /// when its /metrics is read, and where the cores went during it, when measured: after its connections are open, so
    /// their opening is not counted.
    /// </summary>
    private async Task<Phase> WithApiSideAsync(ApiCall measured, Func<Task<Phase>> measure, CancellationToken cancellationToken)
    {
        using var management = api.CreateManagementClient(ApiSideTimes.ReadingTimeout);
        var before = await ApiSideTimes.Reading.ReadAsync(management, measured, cancellationToken);
        var cores = startCoresClock is null ? null : await startCoresClock(cancellationToken);
        var phase = await measure();
        var coresTime = cores?.Stop();
        return phase with
        {
            ApiSide = ApiSideTimes.Between(before, await ApiSideTimes.Reading.ReadAsync(management, measured, cancellationToken)),
            Cores = coresTime,
        };
    }

    /// <summary>
    /// A call refused, reset, or past the client's time limit: a failed call, timed like the others (as fast as the clients
    /// go and on a schedule alike). The benchmark's own cancellation is not a failure of the call.
    /// </summary>
    internal static bool IsFailedCall(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Calls <paramref name="call"/> from <c>concurrency</c> loops for the benchmark's duration (or while <paramref name="more"/>).</summary>
    private async Task<Phase> MeasureAsync(
        HttpClient http, ApiCall measured, Func<CancellationToken, Task<IAsyncDisposable>>? isolate, Func<bool> more, Func<Task<bool>> call,
        CancellationToken cancellationToken)
    {
        await using var isolated = isolate is null ? null : await isolate(cancellationToken);
        await OpenConnections.OpenAsync(http, concurrency, cancellationToken);
        return await WithApiSideAsync(measured, () => MeasureClosedLoopAsync(measured, more, call, cancellationToken), cancellationToken);
    }

    /// <summary><c>concurrency</c> loops, each making its next call once its last is answered, for the duration.</summary>
    private async Task<Phase> MeasureClosedLoopAsync(ApiCall measured, Func<bool> more, Func<Task<bool>> call, CancellationToken cancellationToken)
    {
        var timed = new ConcurrentBag<TimedCall>();
        var errors = 0;
        var paused = GC.GetTotalPauseDuration();
        var phaseStarted = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetElapsedTime(phaseStarted) < duration && more() && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                bool succeeded;
                try
                {
                    succeeded = await call();
                }
                catch (Exception exception) when (IsFailedCall(exception, cancellationToken))
                {
                    succeeded = false;
                }

                timed.Add(new TimedCall(Stopwatch.GetElapsedTime(phaseStarted, started).TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                if (!succeeded)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));

        var seconds = Stopwatch.GetElapsedTime(phaseStarted).TotalSeconds;
        return Phase.Of(measured.Name, timed, errors, seconds, paused);
    }
}
