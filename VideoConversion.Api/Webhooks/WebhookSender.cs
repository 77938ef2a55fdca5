using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using StandardWebhooks;
using VideoConversion.Infrastructure.Outbound;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// One attempt at one delivery: the body signed per Standard Webhooks (webhook-id, webhook-timestamp,
/// webhook-signature) with the endpoint's secret, sent through <see cref="OutboundTargets"/> (checked
/// addresses only, no redirects) within the time limit. Only a 2xx counts as received.
/// </summary>
public sealed class WebhookSender(OutboundTargets targets, WebhookSecrets secrets, TimeProvider time) : IDisposable
{
    private readonly HttpClient _http = new(targets.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };

    public const string UserAgent = "VideoConversion-Webhooks/1.0";

    public async Task<WebhookAttemptResult> SendAsync(
        WebhookEndpoint endpoint, string messageId, string body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            // The rules of now, not of the registration: an allow-list since narrowed applies.
            targets.CheckForm(endpoint.Url);
            var sentAt = time.GetUtcNow();
            var signature = new StandardWebhook(secrets.Unprotect(endpoint.ProtectedSecret)).Sign(messageId, sentAt, body);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
            {
                Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            request.Headers.Add("webhook-id", messageId);
            request.Headers.Add("webhook-timestamp", sentAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", signature);
            request.Headers.UserAgent.ParseAdd(UserAgent);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var status = (int)response.StatusCode;
            string? error = status switch
            {
                >= 200 and < 300 => null,
                >= 300 and < 400 => $"The receiver answered {status} (a redirect); redirects are not followed.",
                _ => $"The receiver answered {status}.",
            };
            return new WebhookAttemptResult(started, clock.Elapsed, status, error);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttemptResult(started, clock.Elapsed, null, $"The receiver did not answer within {timeout.TotalSeconds:0} s.");
        }
        catch (OutboundTargetRefusedException refused)
        {
            return new WebhookAttemptResult(started, clock.Elapsed, null, refused.Message, Permanent: true);
        }
        catch (HttpRequestException exception) when (exception.InnerException is OutboundTargetRefusedException refused)
        {
            // Refused at the connection: a name that resolves to a non-public address now is final; one that does not
            // resolve (the receiver's DNS is down) is tried again on the schedule.
            return new WebhookAttemptResult(started, clock.Elapsed, null, refused.Message, Permanent: !refused.NameNotFound);
        }
        catch (HttpRequestException exception)
        {
            return new WebhookAttemptResult(started, clock.Elapsed, null, $"The receiver could not be reached: {exception.Message}");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <param name="StatusCode">The receiver's answer; null when there was none.</param>
/// <param name="Error">Why it does not count as received; null for a 2xx.</param>
/// <param name="Permanent">No later attempt can do better (the target is not allowed): the delivery fails now.</param>
public sealed record WebhookAttemptResult(DateTimeOffset StartedAt, TimeSpan Duration, int? StatusCode, string? Error, bool Permanent = false)
{
    public bool Received => Error is null;
}
