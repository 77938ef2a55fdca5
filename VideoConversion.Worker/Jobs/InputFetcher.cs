using System.Net;
using System.Security.Authentication;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Text;
using VideoConversion.Infrastructure.Outbound;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Fetches a job's input from the URL its owner gave, into the scratch file FFmpeg then reads: under the
/// outbound rules (https to public addresses only, unless allowed), following at most <see cref="MaxRedirects"/>
/// redirects, each checked again, and never more than the size limit. Its refusals are readable: the job
/// fails with them, since another attempt would meet them again; a server that fails or does not answer is retried.
/// </summary>
public sealed class InputFetcher(OutboundTargets targets) : IDisposable
{
    public const int MaxRedirects = 3;

    private readonly HttpClient _http = CreateClient(targets);

    /// <exception cref="ConversionFailedException">The URL cannot be fetched as given (<see cref="FailureCause.InputUnavailable"/>) or is too large (<see cref="FailureCause.LimitExceeded"/>).</exception>
    /// <exception cref="SystemFaultException">Its server failed or did not answer (<see cref="FailureCause.InputSourceFailed"/>).</exception>
    /// <param name="ensureRoom">Called with the size the server declares, before a byte is written: throws when the scratch disk lacks room.</param>
    public async Task FetchAsync(string url, long maxBytes, string file, Action<long> ensureRoom, CancellationToken cancellationToken)
    {
        var target = Check(url);
        for (var redirects = 0; ; redirects++)
        {
            using var response = await SendAsync(target, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                if (redirects == MaxRedirects)
                {
                    throw Unavailable($"The video's address redirected more than {MaxRedirects} times.");
                }

                target = Check(new Uri(target, location).AbsoluteUri);
                continue;
            }

            // A server error, a timeout or a rate limit passes: another attempt later may well succeed.
            if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            {
                throw new SystemFaultException(FailureCause.InputSourceFailed, $"The server of the video's address answered {status}.");
            }

            if (status is < 200 or >= 300)
            {
                throw Unavailable($"The server of the video's address answered {status}.");
            }

            if (response.Content.Headers.ContentLength is { } declared)
            {
                if (declared > maxBytes)
                {
                    throw TooLarge(maxBytes);
                }

                ensureRoom(declared);
            }

            await CopyAsync(response, maxBytes, file, cancellationToken);
            return;
        }
    }

    private Uri Check(string url)
    {
        try
        {
            return targets.CheckForm(url);
        }
        catch (OutboundTargetRefusedException refused)
        {
            throw Unavailable(refused.Message);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri target, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException exception) when (exception.InnerException is OutboundTargetRefusedException refused)
        {
            throw Unavailable(refused.Message);
        }
        catch (HttpRequestException exception) when (exception.InnerException is OutboundLookupFailedException lookup)
        {
            throw new SystemFaultException(FailureCause.InputSourceFailed, lookup.Message);
        }
        catch (HttpRequestException exception) when (exception.InnerException is AuthenticationException tls)
        {
            // The TLS handshake failed (a certificate not valid for the name, no protocol in common): the same on
            // every attempt, and the address owner's to fix.
            throw Unavailable($"The video's address could not be reached securely: the TLS handshake with '{target.Host}' failed ({tls.Message}).");
        }
        catch (HttpRequestException exception)
        {
            throw new SystemFaultException(FailureCause.InputSourceFailed, $"The video's address could not be reached: {exception.Message}");
        }
    }

    /// <summary>Counted as it arrives: a server that says nothing of the size (or lies about it) is stopped at the limit.</summary>
    private static async Task CopyAsync(HttpResponseMessage response, long maxBytes, string file, CancellationToken cancellationToken)
    {
        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var target = File.Create(file);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await ReadAsync(source, buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    /// <summary>
    /// A read from the server; its connection breaking off (a reset, a body cut short) is the server's or the
    /// network's trouble, tried again, never the file's, and never mistaken for our storage or our disk.
    /// </summary>
    private static async ValueTask<int> ReadAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await source.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            throw new SystemFaultException(FailureCause.InputSourceFailed, $"The video's address stopped sending before the end: {exception.Message}");
        }
    }

    private static HttpClient CreateClient(OutboundTargets targets)
    {
        var client = new HttpClient(targets.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("VideoConversion-Fetch/1.0");
        return client;
    }

    private static ConversionFailedException Unavailable(string message) =>
        new(message, message, FailureCause.InputUnavailable);

    private static ConversionFailedException TooLarge(long maxBytes)
    {
        var message = $"The file at the video's address is larger than {ByteText.Size(maxBytes)}, the limit.";
        return new ConversionFailedException(message, message, FailureCause.LimitExceeded);
    }

    public void Dispose() => _http.Dispose();
}
