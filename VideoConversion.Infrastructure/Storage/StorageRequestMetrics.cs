using System.Diagnostics.Metrics;
using VideoConversion.Contracts.Telemetry;

namespace VideoConversion.Infrastructure.Storage;

/// <summary>
/// Counts every request this service's storage client sends, by method: each is a round trip on some job's path,
/// and a storage request costs milliseconds to tens of them under load. The count shows where a design puts them
/// (POST /jobs after its upload's event needs none, for one).
/// </summary>
public sealed class StorageRequestMetrics
{
    public const string MeterName = TelemetryNames.Prefix + "Storage";

    private readonly Counter<long> _requests;

    public StorageRequestMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>(
            "videoconversion.storage.requests", "{request}", "Requests sent to object storage by this service's storage client, by HTTP method.");
        _requests.Add(0, Method("HEAD"));
    }

    public void Sent(HttpMethod method) => _requests.Add(1, Method(method.Method));

    private static KeyValuePair<string, object?> Method(string method) => new(TelemetryNames.HttpRequestMethod, method);

    /// <summary>Wraps the storage client's handler; counts a request when it is sent, whatever its answer.</summary>
    /// <param name="inner">What sends the requests; by default a handler with the platform's settings.</param>
    public sealed class CountingHandler(StorageRequestMetrics metrics, HttpMessageHandler? inner = null) : DelegatingHandler(inner ?? new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            metrics.Sent(request.Method);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
