using System.Collections.Concurrent;
using System.Diagnostics;
using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Runs;

/// <summary>
/// Runs jobs through the public API with a fixed number of concurrent clients, each doing what a
/// user's client does (ask for a URL, PUT the file in one request or in parts, where its landing starts the job, poll to the
/// outcome), while a sampler records the queue and the workers every second (unless told not to).
/// </summary>
public sealed class LoadRun(VideoConversionClient client, RunSettings settings, IRunDisplay display)
{
    private readonly ConcurrentDictionary<string, string> _statuses = new();
    private readonly ConcurrentQueue<JobResult> _finished = new();
    private readonly ConcurrentQueue<string> _events = new();
    private readonly List<TimelinePoint> _timeline = [];
    private long _started;

    /// <summary>Something that happened during the run (a fault injected), put on the report's timeline.</summary>
    public void Note(string message)
    {
        var line = $"{Stopwatch.GetElapsedTime(_started).TotalSeconds:F1} s: {message}";
        _events.Enqueue(line);
        display.Note(line);
    }

    /// <summary>Jobs of this run being converted right now (PROCESSING), by id.</summary>
    public IReadOnlyCollection<string> BusyJobs => _statuses.Where(entry => entry.Value == "PROCESSING").Select(entry => entry.Key).ToList();

    public async Task<RunResult> RunAsync(string command, Func<LoadRun, CancellationToken, Task>? during, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        _started = Stopwatch.GetTimestamp();
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = settings.SampleTimeline ? SampleAsync(sampling.Token) : Task.CompletedTask;
        var fault = during is null ? Task.CompletedTask : during(this, cancellationToken);

        using var gate = new SemaphoreSlim(settings.Concurrency);
        var jobs = Enumerable.Range(0, settings.NumJobs).Select(async index =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                _finished.Enqueue(await RunJobAsync(index, cancellationToken));
            }
            finally
            {
                gate.Release();
            }
        }).ToList();

        await Task.WhenAll(jobs);
        await fault;
        await sampling.CancelAsync();
        await sampler;

        return new RunResult(command, settings, startedAt, Stopwatch.GetElapsedTime(_started).TotalSeconds,
            [.. _finished.OrderBy(job => job.FinishedAt)], [.. _timeline], [.. _events]);
    }

    private async Task<JobResult> RunJobAsync(int index, CancellationToken cancellationToken)
    {
        var input = settings.InputFor(index);
        var started = Stopwatch.GetTimestamp();
        var fileBytes = new FileInfo(input).Length;
        // Counted by the upload as its bytes go out, so a failed one still says what it sent.
        var sent = new ByteCounter();
        var (uploadType, upload, parts) = (settings.UploadType, TimeSpan.Zero, 0);
        UploadMeasurement Upload() => new(uploadType, upload, fileBytes, sent.Bytes, parts);
        var jobId = $"(job {index + 1})";
        try
        {
            var contentType = InputContentType(input);
            var ticket = await client.RequestUploadTicketAsync(
                Path.GetFileName(input), contentType, fileBytes, settings.UploadType, cancellationToken, settings.Outputs);
            (jobId, uploadType) = (ticket.JobId, ticket.UploadType ?? UploadTicket.OnePut);
            _statuses[jobId] = "UPLOADING";
            var uploading = Stopwatch.GetTimestamp();
            if (ticket.IsMultipart)
            {
                parts = ticket.PartCount ?? 0;
                await client.UploadInPartsAsync(ticket, input, settings.PartsInFlight, sent, cancellationToken);
            }
            else
            {
                parts = 1;
                await client.UploadAsync(ticket.SingleUrl(), input, contentType, cancellationToken, sent);
            }

            upload = Stopwatch.GetElapsedTime(uploading);
            // The job starts when its upload lands (storage announces it, or completing the parts does): no POST /jobs, as
            // the API asks of clients.
            _statuses[jobId] = "UPLOADED";

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.JobTimeout);
            while (true)
            {
                var state = await client.GetJobAsync(jobId, timeout.Token);
                _statuses[jobId] = state.Status;
                if (state.IsFinal)
                {
                    var result = JobResult.From(state, Upload(), Stopwatch.GetElapsedTime(started), DateTimeOffset.UtcNow);
                    display.JobFinished(result);
                    return result;
                }

                await Task.Delay(settings.PollInterval, timeout.Token);
            }
        }
        catch (Exception exception) when (exception is LoadTestException or HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _statuses[jobId] = "CLIENT_ERROR";
            var reason = exception is OperationCanceledException ? $"no outcome within {settings.JobTimeout}" : exception.Message;
            var result = JobResult.Failed(jobId, reason, Upload(), Stopwatch.GetElapsedTime(started), DateTimeOffset.UtcNow);
            display.JobFinished(result);
            return result;
        }
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RunSettings.SampleInterval);
        try
        {
            do
            {
                var queue = await client.ReadQueueAsync(cancellationToken);
                var statuses = _statuses.Values.ToList();
                var point = new TimelinePoint(
                    Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 1), queue.Waiting, queue.Workers,
                    statuses.Count(status => status == "PROCESSING"), _finished.Count);
                _timeline.Add(point);
                display.Sample(point, settings.NumJobs);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private static string InputContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".mp4" or ".m4v" => "video/mp4",
        ".mov" => "video/quicktime",
        ".avi" => "video/x-msvideo",
        ".mkv" => "video/x-matroska",
        ".webm" => "video/webm",
        _ => "application/octet-stream",
    };
}
