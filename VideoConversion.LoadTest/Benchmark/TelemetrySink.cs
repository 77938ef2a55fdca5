using System.Collections.Concurrent;
using System.Net;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// An OTLP/HTTP endpoint that counts what the services export and discards it. In a deployment, telemetry goes to a
/// collector on other machines; on the benchmark's machine, the Aspire dashboard ingesting every span would take the
/// cores the system is measured on. The services still pay for exporting: they serialize and send every span, metric
/// and log as they would to a collector. Between <see cref="StartRecording"/> and <see cref="StopRecording"/>, the spans exported are kept, for the
/// breakdown of a job's time by its trace.
/// </summary>
public sealed class TelemetrySink : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    /// <summary>Trace exports received while recording, as they came: decoded when asked for, not on the cores being measured.</summary>
    private readonly ConcurrentQueue<byte[]> _traceExports = new();
    private long _bytes;
    private volatile bool _recording;

    /// <param name="port">The port the AppHost was told to export to (VideoConversion:OtlpEndpoint, over http/protobuf).</param>
    public TelemetrySink(int port)
    {
        _listener.Prefixes.Add($"http://localhost:{port}/");
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException problem)
        {
            throw new LoadTestException($"The telemetry sink cannot listen on port {port} ({problem.Message}); choose another with TELEMETRY_PORT.");
        }

        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Bytes received so far (traces, metrics and logs together).</summary>
    public long ReceivedBytes => Interlocked.Read(ref _bytes);

    /// <summary>Keeps the trace exports that arrive from now on (off by default: the API's rounds export thousands of spans a second).</summary>
    public void StartRecording() => _recording = true;

    /// <summary>Stops keeping trace exports, and reads the spans of those kept.</summary>
    public (IReadOnlyList<ExportedSpan> Spans, int UnreadExports) StopRecording()
    {
        _recording = false;
        return RecordedSpans();
    }

    /// <summary>The spans kept while recording, in the order they arrived, and how many exports could not be read (not OTLP protobuf).</summary>
    public (IReadOnlyList<ExportedSpan> Spans, int UnreadExports) RecordedSpans()
    {
        List<ExportedSpan> spans = [];
        var unread = 0;
        foreach (var body in _traceExports)
        {
            try
            {
                // The services' exporter (OpenTelemetry .NET's OTLP over HTTP) sends protobuf uncompressed.
                spans.AddRange(OtlpSpans.Read(body));
            }
            catch (InvalidDataException)
            {
                unread++;
            }
        }

        return (spans, unread);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            _ = ReceiveAsync(context); // the next export is taken while this one is read
        }
    }

    private async Task ReceiveAsync(HttpListenerContext context)
    {
        try
        {
            var buffer = new byte[81920];
            var keep = _recording && context.Request.Url?.AbsolutePath == "/v1/traces";
            using var body = keep ? new MemoryStream() : null;
            int read;
            while ((read = await context.Request.InputStream.ReadAsync(buffer)) > 0)
            {
                Interlocked.Add(ref _bytes, read);
                body?.Write(buffer, 0, read);
            }

            if (body is not null)
            {
                _traceExports.Enqueue(body.ToArray());
            }

            // An empty body is an empty Export*ServiceResponse: everything accepted.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
        catch (Exception exception) when (exception is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The exporter gave up on this request; it is not the benchmark's to judge.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
