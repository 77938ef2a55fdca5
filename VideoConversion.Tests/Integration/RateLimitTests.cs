using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;

namespace VideoConversion.Tests.Integration;

/// <summary>The per-caller rate limit against the running system, in an account of its own.</summary>
[Collection(WholeSystem.Name)]
public sealed class RateLimitTests(SystemFixture system)
{
    [Fact]
    public async Task A_burst_beyond_the_rate_limit_is_answered_429_with_retry_after_and_counted()
    {
        var account = await system.CreateAccountAsync("burst");
        using var api = system.ApiClient(account.ApiKey);
        var before = (await system.ApiManagement.ScrapeMetricsAsync()).Sum("videoconversion_rate_limit_rejections_total");

        // Three times the bucket, 32 at a time: unless the machine answers fewer than 30 a second, the bucket runs dry.
        using var gate = new SemaphoreSlim(32);
        var answers = await Task.WhenAll(Enumerable.Range(0, 3 * SystemFixture.Burst).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await api.GetAsync("/jobs?page_size=1");
                return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta,
                    Body: response.StatusCode == HttpStatusCode.TooManyRequests ? await response.Content.ReadFromJsonAsync<JsonElement>() : default);
            }
            finally
            {
                gate.Release();
            }
        }));

        var refused = answers.Where(answer => answer.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.InRange(answers.Count(answer => answer.StatusCode == HttpStatusCode.OK), SystemFixture.Burst, 3 * SystemFixture.Burst - 1);
        Assert.All(refused, answer =>
        {
            Assert.NotNull(answer.RetryAfter);
            Assert.True(answer.RetryAfter >= TimeSpan.FromSeconds(1), $"Retry-After {answer.RetryAfter}");
            Assert.Equal("Too many requests", answer.Body.GetProperty("title").GetString());
            Assert.Contains($"{SystemFixture.RequestsPerSecond} requests a second", answer.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        });

        // Another caller is not slowed by this one.
        using var other = await system.Api.GetAsync("/jobs?page_size=1");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        // The exporter may answer from its cache for a moment: the count shows within seconds.
        await Polling.WaitUntilAsync(
            async () => (await system.ApiManagement.ScrapeMetricsAsync()).Sum("videoconversion_rate_limit_rejections_total") - before >= refused.Count,
            $"videoconversion_rate_limit_rejections_total to grow by {refused.Count}", TimeSpan.FromSeconds(30));
    }
}
