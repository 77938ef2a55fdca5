using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Observability;

/// <summary>
/// One video, one trace: the spans the API and the worker export for a job, as the Aspire
/// dashboard receives them, share the trace id of the upload request and form one tree.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class TraceTests(SystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ConversionTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-traces-");

    [Fact]
    public async Task A_traced_client_sees_its_video_as_one_trace_from_upload_request_to_done()
    {
        // A client that propagates trace context, as the upload page does: both calls in its trace.
        var client = ActivityContextOfAClient();
        var jobId = await RunJobAsync(client);

        var spans = await JobJourney.WaitForAsync(system.Telemetry, client.TraceId.ToHexString(), output.WriteLine);
        JobJourney.AssertOneTree(spans, rootParent: client.SpanId.ToHexString());
        AssertEveryJobSpanIsIn(client.TraceId.ToHexString(), jobId);
        var done = spans.Where(span => span.Name == $"process {QueueNames.JobReports}" && span.Attribute("videoconversion.job.status") == "DONE").ToList();
        Assert.Single(done);
        Assert.Equal(jobId, done[0].Attribute("videoconversion.job.id"));
    }

    [Fact]
    public async Task A_client_without_trace_context_still_gets_one_trace_per_video_begun_by_its_upload_request()
    {
        var jobId = await RunJobAsync(client: null);

        var requestSpan = await Polling.WaitForAsync(
            () => system.Telemetry.Spans.FirstOrDefault(span => span.Name == "POST /upload/request" && span.Attribute("videoconversion.job.id") == jobId),
            "the upload request's span", ExportTimeout);
        var trace = requestSpan.TraceId;
        var spans = await JobJourney.WaitForAsync(system.Telemetry, trace, output.WriteLine, except: JobJourney.SubmitRequest);

        // The submission arrived in a trace of its own; the job's trace goes on from a span linked to it.
        var submitRequest = system.Telemetry.Spans.Single(span => span.Name == JobJourney.SubmitRequest && span.Attribute("videoconversion.job.id") == jobId);
        Assert.NotEqual(trace, submitRequest.TraceId);
        // (Twice when the call met the upload's event recording it, and decided again.)
        var submits = spans.Where(span => span.Name == "submit job").ToList();
        Assert.NotEmpty(submits);
        Assert.All(submits, submit => Assert.Contains(submitRequest.TraceId, submit.LinkedTraceIds));
        JobJourney.AssertOneTree(spans, rootParent: "");
        Assert.Equal(requestSpan, Assert.Single(spans, span => span.ParentSpanId == ""));
    }

    [Fact]
    public async Task Every_log_line_about_a_job_carries_its_job_id_and_attempt()
    {
        var client = ActivityContextOfAClient();
        var jobId = await RunJobAsync(client);
        var trace = client.TraceId.ToHexString();
        await JobJourney.WaitForAsync(system.Telemetry, trace, output.WriteLine);

        var ours = await Polling.WaitForAsync(() =>
        {
            var logs = system.Telemetry.Logs.Where(log => log.TraceId == trace && log.Category.StartsWith("VideoConversion.", StringComparison.Ordinal)).ToList();
            return logs.Exists(log => log.Service == "worker") && logs.Exists(log => log.Body.Contains("is Done", StringComparison.Ordinal)) ? logs : null;
        }, "the job's log lines from the API and the worker", ExportTimeout);
        var aboutTheJob = system.Telemetry.Logs.Where(log => log.Body.Contains(jobId, StringComparison.Ordinal)).ToList();
        output.WriteLine($"{ours.Count} log lines of ours in the job's trace, {aboutTheJob.Count} naming the job:");
        foreach (var log in ours)
        {
            output.WriteLine($"  {log} {{JobId={log.Attributes.GetValueOrDefault("JobId")}, Attempt={log.Attributes.GetValueOrDefault("Attempt")}}}");
        }

        Assert.All(ours.Concat(aboutTheJob), log =>
        {
            Assert.True(log.Attributes.GetValueOrDefault("JobId") == jobId, $"No JobId on: {log}");
            Assert.True(int.TryParse(log.Attributes.GetValueOrDefault("Attempt"), out _), $"No Attempt on: {log}");
        });
        Assert.Contains(ours, log => log.Service == "worker" && log.Attributes["Attempt"] == "1");
    }

    [Fact]
    public async Task A_job_downloads_its_input_while_its_attempt_is_counted_and_reported()
    {
        var client = ActivityContextOfAClient();
        await RunJobAsync(client);

        var spans = await JobJourney.WaitForAsync(system.Telemetry, client.TraceId.ToHexString(), output.WriteLine);
        // Begun ahead of the attempt (marked as such), not after the attempt's ledger entry (a PUT to storage, right under
        // the delivery's span) and its PROCESSING report (the worker's first report): before either began.
        var delivery = Assert.Single(spans, span => span.Name == $"process {QueueNames.VideoJobs}");
        // Once: the attempt takes the head start's file, and does not download again.
        var download = Assert.Single(spans, span => span.Service == "worker" && span.Name == "download input");
        Assert.Equal("true", download.Attribute("videoconversion.input.prefetched"));
        var ledger = spans.Where(span => span.Name == "PUT" && span.ParentSpanId == delivery.SpanId).MinBy(span => span.Start);
        var started = spans.Where(span => span.Service == "worker" && span.Name == $"send {QueueNames.JobReports}").MinBy(span => span.Start);
        Assert.NotNull(ledger);
        Assert.NotNull(started);
        Assert.True(download.Start < ledger.Start, $"The download began at {download.Start:O}, after the ledger's PUT at {ledger.Start:O}");
        Assert.True(download.Start < started.Start, $"The download began at {download.Start:O}, after the PROCESSING report at {started.Start:O}");
    }

    private static ActivityContext ActivityContextOfAClient() =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    [Fact]
    public async Task A_job_started_by_its_upload_is_one_trace_begun_by_its_upload_request()
    {
        var jobId = await RunJobAsync(client: null, start: "upload");

        var requestSpan = await Polling.WaitForAsync(
            () => system.Telemetry.Spans.FirstOrDefault(span => span.Name == "POST /upload/request" && span.Attribute("videoconversion.job.id") == jobId),
            "the upload request's span", ExportTimeout);
        var spans = await JobJourney.WaitForAsync(system.Telemetry, requestSpan.TraceId, output.WriteLine, except: JobJourney.SubmitRequest);

        // Storage's event arrived in a trace of its own; the job's trace goes on from a span linked to it, which submits.
        var landed = Assert.Single(spans, span => span.Name == "upload landed");
        Assert.Contains(system.Telemetry.Spans, span => span.Name == $"process {QueueNames.UploadEvents}" && landed.LinkedTraceIds.Contains(span.TraceId));
        Assert.Contains(spans, span => span.Name == $"send {QueueNames.VideoJobs}");
        JobJourney.AssertOneTree(spans, rootParent: "");
        AssertEveryJobSpanIsIn(requestSpan.TraceId, jobId);
    }

    /// <summary>
    /// Runs a job as a client does; with <paramref name="client"/>, every call carries its traceparent. By default the
    /// job waits for POST /jobs (start "submit"), whose place in the trace is under test.
    /// </summary>
    private async Task<string> RunJobAsync(ActivityContext? client, string start = "submit")
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        // Propagation off: the test process's own spans must not stand in for the client's context.
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null })
        {
            BaseAddress = system.Api.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = system.Account.Authorization;

        using var uploadRequest = Traced(HttpMethod.Post, "/upload/request", new { filename = "traced.avi", content_type = "video/x-msvideo", start }, client);
        using var uploadResponse = await http.SendAsync(uploadRequest);
        Assert.Equal(HttpStatusCode.Created, uploadResponse.StatusCode);
        var upload = await uploadResponse.Content.ReadFromJsonAsync<JsonElement>();
        var jobId = upload.GetProperty("job_id").GetString()!;
        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);

        if (start == "submit")
        {
            using var submitRequest = Traced(HttpMethod.Post, "/jobs", new { job_id = jobId }, client);
            using var submitResponse = await http.SendAsync(submitRequest);
            Assert.Equal(HttpStatusCode.Accepted, submitResponse.StatusCode);
        }

        var (job, _) = await system.Api.WaitForOutcomeAsync(jobId, ConversionTimeout);
        Assert.Equal("DONE", job.GetProperty("status").GetString());
        return jobId;
    }

    private static HttpRequestMessage Traced(HttpMethod method, string path, object body, ActivityContext? client)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        if (client is { } context)
        {
            request.Headers.Add("traceparent", $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-01");
        }

        return request;
    }

    /// <summary>No span tagged with the job lies outside its trace (the submission's own request excepted).</summary>
    private void AssertEveryJobSpanIsIn(string trace, string jobId)
    {
        var outside = system.Telemetry.Spans
            .Where(span => span.Attribute("videoconversion.job.id") == jobId && span.TraceId != trace)
            .ToList();
        Assert.True(outside.Count == 0, $"Spans of job {jobId} outside its trace: {string.Join("; ", outside)}");
    }

    public void Dispose() => _work.Delete(recursive: true);
}
