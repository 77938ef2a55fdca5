using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VideoConversion.Tests.Support.Telemetry;

/// <summary>
/// An OTLP/HTTP (protobuf) endpoint the system under test exports its telemetry to, the way it
/// exports to the Aspire dashboard or a collector: the services run with their real exporters,
/// only the address is the test's.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ExportedSpan> _spans = new();
    private readonly ConcurrentQueue<ExportedLog> _logs = new();
    private WebApplication? _app;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<ExportedSpan> Spans => _spans.ToArray();

    public IReadOnlyCollection<ExportedLog> Logs => _logs.ToArray();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/v1/traces", async (HttpRequest request) => await ReceiveAsync(request, body =>
        {
            foreach (var span in OtlpDecoder.Spans(body))
            {
                _spans.Enqueue(span);
            }
        }));
        _app.MapPost("/v1/logs", async (HttpRequest request) => await ReceiveAsync(request, body =>
        {
            foreach (var log in OtlpDecoder.Logs(body))
            {
                _logs.Enqueue(log);
            }
        }));
        // Metrics are read where Prometheus reads them, from /metrics; here they are only accepted.
        _app.MapPost("/v1/metrics", async (HttpRequest request) => await ReceiveAsync(request, _ => { }));
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Endpoint = new Uri(address);
    }

    private static async Task<IResult> ReceiveAsync(HttpRequest request, Action<ReadOnlyMemory<byte>> accept)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        accept(buffer.ToArray());
        // An empty Export*ServiceResponse: everything accepted.
        return Results.Bytes([], "application/x-protobuf");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
