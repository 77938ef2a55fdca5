using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;

namespace VideoConversion.Tests.Support.Telemetry;

/// <summary>The spans one video's trace must hold, from the upload request to the API applying the outcome.</summary>
public static class JobJourney
{
    /// <summary>The API's span for POST /jobs, named after its route (the group "/jobs" and "/").</summary>
    public const string SubmitRequest = "POST /jobs/";

    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Every stage of a job, by the service that records it; the last is the API applying DONE.</summary>
    public static readonly IReadOnlyList<Stage> Stages =
    [
        new("api", "POST /upload/request"),
        new("api", SubmitRequest),
        new("api", $"send {QueueNames.VideoJobs}"),
        new("worker", $"process {QueueNames.VideoJobs}"),
        new("worker", "download input"),
        new("worker", "probe input"),
        new("worker", "ffmpeg"),
        new("worker", "verify output"),
        new("worker", "upload output"),
        new("worker", $"send {QueueNames.JobReports}"),
        new("api", $"process {QueueNames.JobReports}", Status: "DONE"),
    ];

    /// <summary>Waits until every stage (but <paramref name="except"/>) has arrived in <paramref name="trace"/>; returns the trace's spans.</summary>
    public static async Task<List<ExportedSpan>> WaitForAsync(OtlpReceiver telemetry, string trace, Action<string> log, string? except = null)
    {
        var expected = Stages.Where(stage => stage.Span != except).ToList();
        try
        {
            return await Polling.WaitForAsync(() =>
            {
                var spans = telemetry.Spans.Where(span => span.TraceId == trace).ToList();
                return expected.TrueForAll(stage => spans.Exists(stage.Matches)) ? spans : null;
            }, $"every stage of a job in trace {trace}", ExportTimeout);
        }
        finally
        {
            foreach (var span in telemetry.Spans.Where(span => span.TraceId == trace))
            {
                log(span.ToString());
            }
        }
    }

    /// <summary>Every span's parent is in the trace (or is <paramref name="rootParent"/>): the dashboard shows one tree, no orphans.</summary>
    public static void AssertOneTree(IReadOnlyCollection<ExportedSpan> spans, string rootParent)
    {
        var ids = spans.Select(span => span.SpanId).ToHashSet();
        Assert.All(spans, span => Assert.True(
            span.ParentSpanId == rootParent || ids.Contains(span.ParentSpanId), $"{span} hangs from a span that is not in the trace"));
    }
}

/// <summary>A span a job's trace must hold; with <paramref name="Status"/>, the one tagged with that job status.</summary>
public sealed record Stage(string Service, string Span, string? Status = null)
{
    public bool Matches(ExportedSpan span) =>
        span.Service == Service && span.Name == Span && (Status is null || span.Attribute("videoconversion.job.status") == Status);
}
