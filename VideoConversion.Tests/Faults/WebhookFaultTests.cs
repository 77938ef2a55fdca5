using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>Webhooks are durable: an event the API recorded is delivered even when the API dies before it sent it.</summary>
[Collection(FaultySystem.Name)]
public sealed class WebhookFaultTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(4);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-webhook-faults-");

    [Fact]
    public async Task An_event_the_api_was_sending_when_it_was_killed_arrives_after_its_restart_with_the_same_webhook_id()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        // The first request hangs: the API is killed while that delivery is in flight, recorded and not yet done.
        receiver.HangFirst("durable", TimeSpan.FromMinutes(2));
        using var api = system.ApiClient((await system.CreateAccountAsync("durable")).ApiKey);
        using (var registered = await api.PostAsJsonAsync("/webhooks", new { url = receiver.Url("durable") }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        var jobId = await api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2));
        var inFlight = await Polling.WaitForAsync(() => receiver.Received("durable") is [var first, ..] ? first : null, "the first event's attempt", JobTimeout);
        await system.KillAsync(SystemFixture.ApiService);
        await system.StartAsync(SystemFixture.ApiService);

        Assert.Equal("DONE", (await api.WaitForOutcomeAsync(jobId, JobTimeout)).Job.GetProperty("status").GetString());
        await Polling.WaitUntilAsync(() => Task.FromResult(
                receiver.Received("durable").Count(webhook => webhook.Id == inFlight.Id) >= 2 &&
                receiver.Received("durable").Any(webhook => webhook.Type == "job.done")),
            "the interrupted event again, and job.done", TimeSpan.FromMinutes(1));
        var received = receiver.Received("durable");
        output.WriteLine($"1 API kill during a webhook: {string.Join(", ", received.Select(webhook => $"{webhook.Type} {webhook.Id}"))}");
        Assert.Equal(inFlight.Type, received.Last(webhook => webhook.Id == inFlight.Id).Type);
        var deliveries = (await api.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/webhooks")).GetProperty("items");
        Assert.Contains(deliveries.EnumerateArray(), delivery =>
            delivery.GetProperty("id").GetString() == inFlight.Id && delivery.GetProperty("status").GetString() == "DELIVERED");
    }

    public void Dispose() => _work.Delete(recursive: true);
}
