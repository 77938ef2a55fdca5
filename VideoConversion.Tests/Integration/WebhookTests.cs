using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// Webhooks against the running system, to a receiver on loopback (allow-listed in the test system):
/// events signed per Standard Webhooks, retried with the same webhook-id, a hanging receiver that holds
/// up nothing else, the target rules, and an administrator's redelivery.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class WebhookTests(SystemFixture system, ITestOutputHelper output) : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    private readonly WebhookReceiver _receiver = new();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-webhooks-");

    public Task InitializeAsync() => _receiver.StartAsync();

    [Fact]
    public async Task A_registered_endpoint_hears_the_jobs_events_signed_per_standard_webhooks()
    {
        using var api = await NewAccountAsync("hooked");
        using var registered = await api.PostAsJsonAsync("/webhooks", new { url = _receiver.Url("ok") });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var endpoint = await registered.Content.ReadFromJsonAsync<JsonElement>();
        var secret = endpoint.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        var listed = await api.GetStringAsync("/webhooks");
        Assert.Contains(endpoint.GetProperty("id").GetString()!, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

        var jobId = await api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2));
        Assert.Equal("DONE", (await api.WaitForOutcomeAsync(jobId, JobTimeout)).Job.GetProperty("status").GetString());
        var done = await Polling.WaitForAsync(
            () => _receiver.Received("ok").FirstOrDefault(webhook => webhook.Type == "job.done"), "job.done", EventTimeout);

        // The receiver checks it as any receiver would: the StandardWebhooks library, with the endpoint's secret.
        var headers = new HeaderDictionary(done.Headers.ToDictionary(h => h.Key, h => new Microsoft.Extensions.Primitives.StringValues(h.Value)));
        new StandardWebhook(secret).Verify(done.Body, headers);
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(
            () => new StandardWebhook(StandardWebhookSecret()).Verify(done.Body, headers));
        Assert.Equal(["job.processing", "job.done"], _receiver.Received("ok").Select(webhook => webhook.Type));

        var data = JsonDocument.Parse(done.Body).RootElement.GetProperty("data");
        Assert.Equal(jobId, data.GetProperty("job_id").GetString());
        Assert.Equal("DONE", data.GetProperty("status").GetString());
        Assert.True(data.GetProperty("output_bytes").GetInt64() > 0);
        Assert.InRange(data.GetProperty("duration_seconds").GetDouble(), 1.5, 2.5);
        Assert.False(string.IsNullOrEmpty(data.GetProperty("conversion_method").GetString()));
        using var download = new HttpClient();
        using (var output = await download.GetAsync(new Uri(data.GetProperty("output_url").GetString()!), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, output.StatusCode);
        }

        var deliveries = (await api.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/webhooks")).GetProperty("items");
        Assert.Equal(2, deliveries.GetArrayLength());
        Assert.All(deliveries.EnumerateArray(), delivery =>
        {
            Assert.Equal("DELIVERED", delivery.GetProperty("status").GetString());
            Assert.Equal(200, Assert.Single(delivery.GetProperty("attempt_log").EnumerateArray()).GetProperty("status_code").GetInt32());
        });
    }

    [Fact]
    public async Task A_receiver_that_answers_500_three_times_gets_the_event_again_with_the_same_webhook_id()
    {
        using var api = await NewAccountAsync("flaky");
        _receiver.FailFirst("flaky", 3, StatusCodes.Status500InternalServerError);
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1);
        var upload = await api.PostAsJsonAsync("/upload/request",
            new { filename = "flaky.avi", content_type = "video/x-msvideo", size_bytes = new FileInfo(input).Length, webhook_url = _receiver.Url("flaky") });
        var ticket = await upload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("whsec_", ticket.GetProperty("webhook_secret").GetString(), StringComparison.Ordinal);
        var jobId = ticket.GetProperty("job_id").GetString()!;
        await ApiCalls.UploadAsync(ticket.GetProperty("presigned_url").GetString()!, input);
        using (var submitted = await api.SubmitAsync(jobId))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        Assert.Equal("DONE", (await api.WaitForOutcomeAsync(jobId, JobTimeout)).Job.GetProperty("status").GetString());
        var deliveries = await Polling.WaitForAsync(async () =>
        {
            var list = ((await api.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/webhooks")).GetProperty("items")).EnumerateArray().ToList();
            return list.Count == 2 && list.All(d => d.GetProperty("status").GetString() == "DELIVERED") ? list : null;
        }, "both events delivered", EventTimeout);

        var received = _receiver.Received("flaky");
        Assert.Equal(5, received.Count); // 3 refused, then each event once more
        Assert.Equal(2, received.Select(webhook => webhook.Id).Distinct().Count());
        // The three refusals went to whichever event came first; its attempts end with the 200.
        var statuses = deliveries.SelectMany(d => d.GetProperty("attempt_log").EnumerateArray().Select(a => a.GetProperty("status_code").GetInt32())).ToList();
        Assert.Equal(3, statuses.Count(status => status == 500));
        Assert.Equal(2, statuses.Count(status => status == 200));
        Assert.All(deliveries, d => Assert.Equal(200, d.GetProperty("attempt_log").EnumerateArray().Last().GetProperty("status_code").GetInt32()));
        // Each attempt carries the same event (a job.done's download link is signed afresh each time).
        Assert.All(received.GroupBy(webhook => webhook.Id), sameEvent => Assert.Single(sameEvent.Select(webhook =>
        {
            var body = JsonDocument.Parse(webhook.Body).RootElement;
            return $"{body.GetProperty("type")} {body.GetProperty("timestamp")} {body.GetProperty("data").GetProperty("status")} {body.GetProperty("data").GetProperty("finished_at")}";
        }).Distinct()));
    }

    [Fact]
    public async Task A_hanging_receiver_holds_up_neither_the_job_nor_another_receiver_and_fails_after_its_retries()
    {
        using var api = await NewAccountAsync("hanging");
        _receiver.Hang("hang", TimeSpan.FromMinutes(2));
        foreach (var name in new[] { "hang", "prompt" })
        {
            using var registered = await api.PostAsJsonAsync("/webhooks", new { url = _receiver.Url(name) });
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        var jobId = await api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1));
        var (job, _) = await api.WaitForOutcomeAsync(jobId, JobTimeout);
        Assert.Equal("DONE", job.GetProperty("status").GetString());
        var finished = job.GetProperty("finished_at").GetDateTimeOffset();
        var prompt = await Polling.WaitForAsync(
            () => _receiver.Received("prompt").FirstOrDefault(webhook => webhook.Type == "job.done"), "job.done at the prompt receiver", EventTimeout);
        output.WriteLine($"beside a hanging receiver, the prompt one heard job.done {(prompt.At - finished).TotalMilliseconds:0} ms after the job was done");
        Assert.True(prompt.At - finished < TimeSpan.FromSeconds(5), $"the prompt receiver heard of the job {(prompt.At - finished).TotalSeconds:0.0} s after it was done");

        // Each attempt at the hanging one ends at the time limit (2 s here); after the schedule's last, it is FAILED.
        var hung = await Polling.WaitForAsync(async () =>
        {
            var list = (await api.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/webhooks")).GetProperty("items");
            var forHang = list.EnumerateArray().Where(d => d.GetProperty("url").GetString() == _receiver.Url("hang")).ToList();
            return forHang.Count == 2 && forHang.All(d => d.GetProperty("status").GetString() == "FAILED") ? forHang : null;
        }, "the hanging receiver's deliveries to fail", TimeSpan.FromMinutes(1));
        Assert.All(hung, delivery =>
        {
            Assert.Equal(5, delivery.GetProperty("attempts").GetInt32());
            Assert.All(delivery.GetProperty("attempt_log").EnumerateArray(), attempt =>
                Assert.Contains("did not answer within 2 s", attempt.GetProperty("error").GetString(), StringComparison.Ordinal));
        });
        var metrics = await system.ApiManagement.ScrapeMetricsAsync();
        Assert.True(metrics.Sum("videoconversion_webhook_attempts_total", ("videoconversion_webhook_outcome", "failed")) >= 2);
    }

    [Fact]
    public async Task Many_events_for_a_hanging_host_hold_no_place_of_the_same_accounts_other_receiver()
    {
        // More events for the hanging host than the account has places (8): were they to wait holding places, the
        // account's other receiver, at another host, would wait behind them.
        const int Events = 12;
        using var api = await NewAccountAsync("crowded");
        await using var prompt = new WebhookReceiver();
        await prompt.StartAsync();
        _receiver.Hang("slow", TimeSpan.FromMinutes(2));
        foreach (var url in new[] { _receiver.Url("slow"), prompt.Url("prompt") })
        {
            using var registered = await api.PostAsJsonAsync("/webhooks", new { url });
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        await CancelNewJobsAsync(api, Events);

        var lastCancel = DateTimeOffset.UtcNow;
        await Polling.WaitUntilAsync(() => Task.FromResult(prompt.Received("prompt").Count >= Events), "every job.canceled at the prompt receiver", EventTimeout);
        var late = prompt.Received("prompt").Max(webhook => webhook.At) - lastCancel;
        output.WriteLine($"{Events} events for a hanging host: the same account's other receiver had them all {late.TotalMilliseconds:0} ms after the last cancel");
        // Under the hanging attempts' time limit (2 s here): places held by deliveries queued for the hanging host
        // would free only as those attempts time out.
        Assert.True(late < TimeSpan.FromSeconds(2), $"the prompt receiver heard the last event {late.TotalSeconds:0.0} s after the last cancel");
        Assert.All(prompt.Received("prompt"), webhook => Assert.Equal("job.canceled", webhook.Type));
    }

    [Fact]
    public async Task A_backlog_larger_than_a_page_at_a_hanging_host_hides_no_other_accounts_event()
    {
        // More deliveries due for one account's hanging host than the dispatcher reads at once (128), all older than
        // another account's event: that one must still go out at once.
        const int Backlog = 136;
        using var crowded = await NewAccountAsync("backlog");
        _receiver.Hang("slow", TimeSpan.FromMinutes(2));
        using (var registered = await crowded.PostAsJsonAsync("/webhooks", new { url = _receiver.Url("slow") }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        await CancelNewJobsAsync(crowded, Backlog);

        using var other = await NewAccountAsync("behind-backlog");
        await using var prompt = new WebhookReceiver();
        await prompt.StartAsync();
        using (var registered = await other.PostAsJsonAsync("/webhooks", new { url = prompt.Url("prompt") }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        await CancelNewJobsAsync(other, 1);
        var canceledAt = DateTimeOffset.UtcNow;
        var heard = await Polling.WaitForAsync(() => prompt.Received("prompt") is { Count: > 0 } received ? received[0] : null, "the other account's job.canceled", EventTimeout);
        output.WriteLine($"behind {Backlog} deliveries to a hanging host, another account's event went out {(heard.At - canceledAt).TotalMilliseconds:0} ms after its cancel");
        // Under the hanging attempts' time limit (2 s here): it did not wait for the backlog to move.
        Assert.True(heard.At - canceledAt < TimeSpan.FromSeconds(2), $"the other account's event went out {(heard.At - canceledAt).TotalSeconds:0.0} s after its cancel");
    }

    [Theory]
    [InlineData("https://10.0.0.5/hook", "not allowed")]
    [InlineData("https://169.254.169.254/latest/meta-data", "not allowed")]
    [InlineData("https://localhost:1/hook", "not allowed")]
    [InlineData("http://hooks.example.com/hook", "must use https")]
    [InlineData("file:///etc/passwd", "absolute http or https")]
    public async Task Endpoints_on_private_addresses_or_without_https_are_refused_when_registered(string url, string reason)
    {
        using var registered = await system.Api.PostAsJsonAsync("/webhooks", new { url });
        var problem = await registered.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var upload = await system.Api.PostAsJsonAsync("/upload/request", new { filename = "a.avi", webhook_url = url });
        Assert.Equal("webhook_url", (await upload.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_private_address_is_refused_at_registration_and_at_delivery_time()
    {
        using var api = await NewAccountAsync("rebound");
        // The system looks names up at the tests' DNS server: one name private from the start, one public when
        // registered that points at this machine by the time of the delivery (DNS rebinding).
        var privateName = $"private-{Guid.NewGuid():N}.example";
        TestNameServer.Shared.Map(privateName, IPAddress.Parse("10.0.0.5"));
        using (var refused = await api.PostAsJsonAsync("/webhooks", new { url = $"https://{privateName}/hook" }))
        {
            Assert.Contains("not allowed", (await refused.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var reboundName = $"rebound-{Guid.NewGuid():N}.example";
        TestNameServer.Shared.Map(reboundName, IPAddress.Parse("93.184.216.34"));
        using (var registered = await api.PostAsJsonAsync("/webhooks", new { url = $"https://{reboundName}:{_receiver.Address.Port}/hook" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        TestNameServer.Shared.Map(reboundName, IPAddress.Loopback);
        var jobId = await api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1));
        Assert.Equal("DONE", (await api.WaitForOutcomeAsync(jobId, JobTimeout)).Job.GetProperty("status").GetString());

        var failed = await Polling.WaitForAsync(async () =>
        {
            var list = (await api.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/webhooks")).GetProperty("items");
            var all = list.EnumerateArray().ToList();
            return all.Count >= 2 && all.All(d => d.GetProperty("status").GetString() == "FAILED") ? all : null;
        }, "the deliveries to the rebound name to fail", TimeSpan.FromMinutes(1));
        Assert.All(failed, delivery =>
        {
            // Refused for good at the first attempt: no schedule makes a private address allowed.
            Assert.Contains("not allowed", delivery.GetProperty("last_error").GetString(), StringComparison.Ordinal);
            Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        });
        Assert.Empty(_receiver.Received("hook"));
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_an_administrator_can_send_a_delivery_again()
    {
        using var api = await NewAccountAsync("redirected");
        _receiver.Redirect("moved", _receiver.Url("target"));
        using (var registered = await api.PostAsJsonAsync("/webhooks", new { url = _receiver.Url("moved") }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        var jobId = await api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1));
        Assert.Equal("DONE", (await api.WaitForOutcomeAsync(jobId, JobTimeout)).Job.GetProperty("status").GetString());
        var failed = await Polling.WaitForAsync(async () =>
        {
            var list = (await api.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/webhooks")).GetProperty("items");
            var found = list.EnumerateArray().Where(d => d.GetProperty("event_type").GetString() == "job.done" && d.GetProperty("status").GetString() == "FAILED").ToList();
            return found.Count == 1 ? found : null;
        }, "the redirected delivery to fail", TimeSpan.FromMinutes(1));
        // Every attempt the receiver answered met its redirect, refused as such, and any other timed out (a loaded machine
        // holding the receiver past the tests' 2 s limit; it may be the last attempt); the receiver's target heard nothing.
        var attempts = failed[0].GetProperty("attempt_log").EnumerateArray().ToList();
        var answered = attempts.Where(attempt => attempt.GetProperty("status_code").ValueKind == JsonValueKind.Number).ToList();
        Assert.NotEmpty(answered);
        Assert.All(answered, attempt =>
        {
            Assert.Equal(StatusCodes.Status302Found, attempt.GetProperty("status_code").GetInt32());
            Assert.Contains("redirects are not followed", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        });
        Assert.All(attempts.Where(attempt => attempt.GetProperty("status_code").ValueKind != JsonValueKind.Number), unanswered =>
            Assert.Contains("did not answer within 2 s", unanswered.GetProperty("error").GetString(), StringComparison.Ordinal));
        Assert.Empty(_receiver.Received("target"));

        // The account's own key may not redeliver; an administrator may, with the same webhook-id.
        var deliveryId = failed[0].GetProperty("id").GetString()!;
        using (var refused = await api.PostAsync(new Uri($"/webhooks/deliveries/{deliveryId}/redeliver", UriKind.Relative), null))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Forbidden);
        }

        _receiver.FailFirst("moved", 0, StatusCodes.Status200OK);
        // (Other events of the job may reach the receiver meanwhile, on their own retries: this one is counted by its id.)
        var sentBefore = _receiver.Received("moved").Count(webhook => webhook.Id == deliveryId);
        using var administrator = system.AdministratorClient();
        using (var redelivered = await administrator.PostAsync(new Uri($"/webhooks/deliveries/{deliveryId}/redeliver", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
        }

        await Polling.WaitUntilAsync(async () => ((await api.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}/webhooks")).GetProperty("items"))
            .EnumerateArray().Any(d => d.GetProperty("id").GetString() == deliveryId && d.GetProperty("status").GetString() == "DELIVERED"),
            "the redelivery", EventTimeout);
        Assert.Equal(sentBefore + 1, _receiver.Received("moved").Count(webhook => webhook.Id == deliveryId));
    }

    /// <summary>Jobs requested and canceled at once: a job.canceled event each, in a moment, with no conversion.</summary>
    private static async Task CancelNewJobsAsync(HttpClient api, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var requested = await api.PostAsJsonAsync("/upload/request", new { filename = $"never-sent-{i}.mp4" });
            Assert.Equal(HttpStatusCode.Created, requested.StatusCode);
            var jobId = (await requested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString();
            using var canceled = await api.PostAsync(new Uri($"/jobs/{jobId}/cancel", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        }
    }

    private async Task<HttpClient> NewAccountAsync(string purpose) => system.ApiClient((await system.CreateAccountAsync(purpose)).ApiKey);

    private static string StandardWebhookSecret() => "whsec_" + Convert.ToBase64String(new byte[32]);

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _work.Delete(recursive: true);
    }

    ValueTask IAsyncDisposable.DisposeAsync() => _receiver.DisposeAsync();
}
