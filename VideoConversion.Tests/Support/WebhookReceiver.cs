using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A webhook receiver on loopback, as an application would run one: it records every request (headers,
/// body, when) per path and answers as each path is told to: 2xx, an error a number of times first, a
/// redirect, or nothing at all for a while (a hanging receiver).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>What the systems under test are started with, so webhooks reach this receiver quickly and retry within seconds.</summary>
    public static readonly IReadOnlyDictionary<string, string> SystemSettings = new Dictionary<string, string>
    {
        ["Outbound__AllowedHosts"] = "127.0.0.1",
        ["Outbound__NameServers"] = TestNameServer.Shared.Address,
        ["Webhooks__RetrySchedule"] = "00:00:01,00:00:01,00:00:01,00:00:01",
        ["Webhooks__Timeout"] = "00:00:02",
    };

    /// <summary>A service's test settings, with <see cref="SystemSettings"/> added.</summary>
    public static IReadOnlyDictionary<string, string> WithSystemSettings(Dictionary<string, string> settings)
    {
        foreach (var (name, value) in SystemSettings)
        {
            settings[name] = value;
        }

        return settings;
    }

    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedWebhook>> _received = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<int, HttpContext, Task<int>>> _answers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    public async Task StartAsync()
    {
        (_app, Address) = await LoopbackServer.StartAsync(app => app.MapPost("/{name}", async (string name, HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var log = _received.GetOrAdd(name, _ => new ConcurrentQueue<ReceivedWebhook>());
            log.Enqueue(new ReceivedWebhook(DateTimeOffset.UtcNow, context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body));
            var answer = _answers.TryGetValue(name, out var script) ? await script(log.Count, context) : StatusCodes.Status200OK;
            context.Response.StatusCode = answer;
        }));
    }

    /// <summary>Where an endpoint of this receiver is: http://127.0.0.1:port/name.</summary>
    public string Url(string name) => new Uri(Address, name).ToString();

    /// <summary>The <paramref name="count"/> first requests to <paramref name="name"/> get <paramref name="status"/>, the rest 200.</summary>
    public void FailFirst(string name, int count, int status) =>
        _answers[name] = (n, _) => Task.FromResult(n <= count ? status : StatusCodes.Status200OK);

    /// <summary>Requests to <paramref name="name"/> get no answer for <paramref name="delay"/>.</summary>
    public void Hang(string name, TimeSpan delay) =>
        _answers[name] = async (_, context) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                await Task.Delay(delay, linked.Token);
            }
            catch (OperationCanceledException)
            {
                // The sender gave up (its time limit): nobody reads this answer.
            }

            return StatusCodes.Status200OK;
        };

    /// <summary>The first request to <paramref name="name"/> gets no answer for <paramref name="delay"/>; the rest 200 at once.</summary>
    public void HangFirst(string name, TimeSpan delay)
    {
        Hang(name, delay);
        var hanging = _answers[name];
        _answers[name] = (n, context) => n == 1 ? hanging(n, context) : Task.FromResult(StatusCodes.Status200OK);
    }

    /// <summary>Requests to <paramref name="name"/> are sent elsewhere with a 302.</summary>
    public void Redirect(string name, string location) =>
        _answers[name] = (_, context) =>
        {
            context.Response.Headers.Location = location;
            return Task.FromResult(StatusCodes.Status302Found);
        };

    public IReadOnlyList<ReceivedWebhook> Received(string name) =>
        _received.TryGetValue(name, out var log) ? [.. log] : [];

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is not { } app)
        {
            return;
        }

        await _stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        _stopping.Dispose();
    }
}

/// <param name="Headers">By lower-case name.</param>
public sealed record ReceivedWebhook(DateTimeOffset At, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Id => Headers["webhook-id"];

    public string Type => System.Text.Json.JsonDocument.Parse(Body).RootElement.GetProperty("type").GetString()!;
}
