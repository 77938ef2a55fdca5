using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using VideoConversion.LoadTest.Benchmark;

namespace VideoConversion.UnitTests.LoadTest;

/// <summary>
/// The benchmark's breakdown of a job's time reads the spans the services export: the OpenTelemetry SDK's own OTLP
/// exporter (the services' exporter) sends them to the load tool's sink, which decodes and places them.
/// </summary>
public sealed class JobTimeBreakdownTests
{
    [Fact]
    public async Task Spans_exported_over_otlp_are_kept_while_recording_and_placed_from_the_workers_delivery()
    {
        var port = FreePort();
        await using var sink = new TelemetrySink(port);
        using var source = new ActivitySource("VideoConversion.Worker.Test");
        using var tracing = Tracing(source.Name, "worker", port);

        Export(source, "transcode"); // before recording: not kept
        Assert.True(tracing.ForceFlush(10_000));
        // Recording starts once the sink has it: an export the SDK sends again later (a retry) would land in the recording.
        Assert.True(await ReceivedAnyAsync(sink), "the export before recording never arrived");
        sink.StartRecording();
        var jobs = Enumerable.Range(0, 3).Select(_ => Export(source, "remux")).ToList();
        Assert.True(tracing.ForceFlush(10_000));
        var (spans, unreadExports) = await ArrivedAsync(sink, 3 * 6);

        Assert.Equal(0, unreadExports);
        Assert.Equal(3 * 6, spans.Count);
        Assert.All(spans, span => Assert.Equal("worker", span.Service));
        Assert.Equal(jobs.Order(), spans.Select(span => span.TraceId).Distinct().Order());
        var ffmpeg = spans.First(span => span.Name == "ffmpeg");
        Assert.Equal("remux", ffmpeg.Attributes["videoconversion.conversion.method"]);
        Assert.Equal("3", ffmpeg.Attributes["process.exit.code"]);
        Assert.InRange(ffmpeg.Milliseconds, 20, 5_000);

        var breakdown = JobTimeBreakdown.Of(spans, "remux");

        Assert.NotNull(breakdown);
        Assert.Equal(3, breakdown.Jobs);
        Assert.Equal(["process video_jobs", "download input", "probe input (index)", "ffmpeg", "verify output (index)", "send video_job_reports"], breakdown.Stages.Select(stage => stage.Name));
        Assert.All(breakdown.Stages, stage => Assert.Equal(3, stage.Jobs));
        var stages = breakdown.Stages.ToDictionary(stage => stage.Name);
        Assert.Equal(0, stages["process video_jobs"].StartsMilliseconds);
        // Each stage starts after the one before it ended (each lasts 20 ms or more).
        Assert.True(stages["ffmpeg"].StartsMilliseconds >= stages["download input"].StartsMilliseconds + stages["download input"].LastsMilliseconds);
        Assert.True(stages["process video_jobs"].LastsMilliseconds >= stages["ffmpeg"].StartsMilliseconds + stages["ffmpeg"].LastsMilliseconds);
        Assert.Null(JobTimeBreakdown.Of(spans, "transcode"));
    }

    [Fact]
    public void A_job_without_the_workers_delivery_around_its_ffmpeg_is_not_placed()
    {
        var ffmpeg = new ExportedSpan("worker", "t1", "ffmpeg", 100, 200, new Dictionary<string, string> { ["videoconversion.conversion.method"] = "remux" });
        var elsewhere = new ExportedSpan("worker", "t1", "process video_jobs", 300, 400, new Dictionary<string, string>());

        Assert.Null(JobTimeBreakdown.Of([ffmpeg, elsewhere], "remux"));
    }

    [Fact]
    public void A_retried_job_is_placed_by_its_last_attempt()
    {
        static ExportedSpan Span(string name, long start, long end, string? method = null) =>
            new("worker", "t1", name, start, end, method is null ? new Dictionary<string, string>() : new() { ["videoconversion.conversion.method"] = method });
        ExportedSpan[] spans =
        [
            Span("process video_jobs", 0, 1_000_000), Span("ffmpeg", 100_000, 900_000, "remux"),
            Span("process video_jobs", 5_000_000, 7_000_000), Span("ffmpeg", 5_500_000, 6_500_000, "transcode"),
        ];

        Assert.Null(JobTimeBreakdown.Of(spans, "remux")); // its last attempt transcoded
        var placed = JobTimeBreakdown.Of(spans, "transcode");
        Assert.NotNull(placed);
        Assert.Equal(0.5, placed.Stages.Single(stage => stage.Name == "ffmpeg" && stage.Occurrence == 2).StartsMilliseconds);
    }

    [Fact]
    public void Only_the_jobs_asked_for_are_placed_and_each_ones_ffmpeg_is_kept_by_its_id()
    {
        static ExportedSpan Span(string trace, string name, long start, long end, string? job = null) =>
            new("worker", trace, name, start, end, name == "ffmpeg"
                ? new Dictionary<string, string> { ["videoconversion.conversion.method"] = "transcode" }
                : job is null ? new Dictionary<string, string>() : new() { ["videoconversion.job.id"] = job });
        ExportedSpan[] spans =
        [
            Span("t1", "process video_jobs", 0, 1_000_000_000, "a"), Span("t1", "ffmpeg", 100_000_000, 600_000_000),
            Span("t2", "process video_jobs", 0, 1_000_000_000, "b"), Span("t2", "ffmpeg", 200_000_000, 500_000_000),
            // A delivery that does not name its job: placed among every job's, not among named ones.
            Span("t3", "process video_jobs", 0, 1_000_000_000), Span("t3", "ffmpeg", 0, 900_000_000),
            // Delivered twice: its time holds both attempts, so its FFmpeg alone is not kept.
            Span("t4", "process video_jobs", 0, 100_000_000, "d"), Span("t4", "process video_jobs", 200_000_000, 1_000_000_000, "d"),
            Span("t4", "ffmpeg", 300_000_000, 700_000_000),
        ];

        var asked = JobTimeBreakdown.Of(spans, "transcode", jobIds: new HashSet<string> { "a" });
        var every = JobTimeBreakdown.Of(spans, "transcode");

        Assert.NotNull(asked);
        Assert.Equal(1, asked.Jobs);
        Assert.Equal(new Dictionary<string, double> { ["a"] = 0.5 }, asked.FFmpegSecondsByJob);
        Assert.Equal(500, asked.Stages.Single(stage => stage.Name == "ffmpeg").LastsMilliseconds);
        Assert.NotNull(every);
        Assert.Equal(4, every.Jobs);
        Assert.Equal(new Dictionary<string, double> { ["a"] = 0.5, ["b"] = 0.3 }, every.FFmpegSecondsByJob);
        Assert.Null(JobTimeBreakdown.Of(spans, "transcode", jobIds: new HashSet<string> { "c" }));
        Assert.Equal(1, JobTimeBreakdown.Of(spans, "transcode", jobIds: new HashSet<string> { "d" })!.Jobs);
    }

    [Fact]
    public void A_body_that_is_not_protobuf_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => OtlpSpans.Read([0x0A, 0x7F, 0x01]));
    }

    /// <summary>One job's spans as the worker nests them: its delivery holds the download, FFmpeg and a report.</summary>
    private static string Export(ActivitySource source, string method)
    {
        using var delivery = source.StartActivity("process video_jobs", ActivityKind.Consumer, parentContext: default)!;
        using (source.StartActivity("download input"))
        {
            Thread.Sleep(20);
        }

        using (var probe = source.StartActivity("probe input"))
        {
            probe!.SetTag("videoconversion.input.probe", "index");
            Thread.Sleep(20);
        }

        using (var ffmpeg = source.StartActivity("ffmpeg"))
        {
            ffmpeg!.SetTag("videoconversion.conversion.method", method);
            ffmpeg.SetTag("process.exit.code", 3);
            Thread.Sleep(20);
        }

        using (var check = source.StartActivity("verify output"))
        {
            check!.SetTag("videoconversion.output.check", "index");
            Thread.Sleep(20);
        }

        using (source.StartActivity("send video_job_reports", ActivityKind.Producer))
        {
            Thread.Sleep(20);
        }

        return delivery.TraceId.ToHexString();
    }

    /// <summary>Whether the sink has received anything within 10 s.</summary>
    private static Task<bool> ReceivedAnyAsync(TelemetrySink sink) => WithinTenSecondsAsync(() => sink.ReceivedBytes > 0);

    /// <summary>The sink's spans once <paramref name="expected"/> have arrived, or after 10 s: a flush that returned does not promise the sink has read them (CI run 45 saw 5 of 15 right after it).</summary>
    private static async Task<(IReadOnlyList<ExportedSpan> Spans, int UnreadExports)> ArrivedAsync(TelemetrySink sink, int expected)
    {
        await WithinTenSecondsAsync(() => sink.RecordedSpans().Spans.Count >= expected);
        return sink.RecordedSpans();
    }

    private static async Task<bool> WithinTenSecondsAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return condition();
    }

    private static TracerProvider Tracing(string source, string service, int port) =>
        Sdk.CreateTracerProviderBuilder()
            .AddSource(source)
            .ConfigureResource(resource => resource.AddService(service))
            .AddOtlpExporter(otlp =>
            {
                otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                otlp.Endpoint = new Uri($"http://localhost:{port}/v1/traces");
            })
            .Build();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
