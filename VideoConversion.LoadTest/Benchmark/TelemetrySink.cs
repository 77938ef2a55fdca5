using System.Net;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// An OTLP/HTTP endpoint that counts what the services export and discards it. In a deployment, telemetry goes to a
/// collector on other machines; on the benchmark's machine, the Aspire dashboard ingesting every span would take the
/// cores the system is measured on. The services still pay for exporting: they serialize and send every span, metric
/// and log as they would to a collector.
/// </summary>
public sealed class TelemetrySink : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private long _bytes;

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
            int read;
            while ((read = await context.Request.InputStream.ReadAsync(buffer)) > 0)
            {
                Interlocked.Add(ref _bytes, read);
            }

            // An empty body is an empty Export*ServiceResponse: everything accepted.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
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
