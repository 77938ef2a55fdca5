using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace VideoConversion.Tests.Support;

/// <summary>The broker's own view of a queue's consumers, read from its management plugin as its administrator.</summary>
public sealed class BrokerManagement : IDisposable
{
    private readonly HttpClient _http;

    private BrokerManagement(HttpClient http) => _http = http;

    public static async Task<BrokerManagement> ConnectAsync(DistributedApplication app)
    {
        var administrator = new Uri(await app.GetConnectionStringAsync(SystemFixture.Broker)
            ?? throw new InvalidOperationException("The broker has no connection string."));
        var http = new HttpClient { BaseAddress = app.GetEndpoint(SystemFixture.Broker, "management"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(administrator.UserInfo))));
        return new BrokerManagement(http);
    }

    /// <summary>The queue's consumers as the broker holds them: each one's prefetch limit and priority (x-priority, 0 unless given).</summary>
    public async Task<IReadOnlyList<(int Prefetch, int Priority)>> ConsumersAsync(string queue)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/api/consumers/%2F"));
        return document.RootElement.EnumerateArray()
            .Where(consumer => consumer.GetProperty("queue").GetProperty("name").GetString() == queue)
            .Select(consumer => (
                consumer.GetProperty("prefetch_count").GetInt32(),
                consumer.GetProperty("arguments").TryGetProperty("x-priority", out var priority) ? priority.GetInt32() : 0))
            .ToList();
    }

    /// <summary>
    /// How many messages were ever published to the queue, as the broker counts them (its statistics, refreshed every
    /// few seconds): whether anything published a message twice.
    /// </summary>
    public async Task<long> PublishedAsync(string queue)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync($"/api/queues/%2F/{Uri.EscapeDataString(queue)}"));
        return document.RootElement.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("publish", out var published)
            ? published.GetInt64()
            : 0;
    }

    public void Dispose() => _http.Dispose();
}
