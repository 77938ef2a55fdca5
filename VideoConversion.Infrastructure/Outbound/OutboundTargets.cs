using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace VideoConversion.Infrastructure.Outbound;

/// <summary>
/// The rules for calling a URL a user gave (a webhook endpoint, a video to fetch): https only, to public
/// addresses only, except for the hosts <see cref="OutboundOptions.AllowedHosts"/> names. The name is
/// resolved and every address checked here, and the connection goes to a checked address
/// (<see cref="ConnectAsync"/>), so a name that resolves differently the second time (DNS rebinding)
/// cannot lead anywhere else. Redirects are the caller's to re-check: the HTTP clients follow none.
/// </summary>
public sealed class OutboundTargets
{
    private readonly HashSet<string> _allowed;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    public OutboundTargets(IOptions<OutboundOptions> options)
        : this(options, ResolverFor(options.Value))
    {
    }

    /// <param name="resolve">How names are looked up: the system's resolver, or a test's.</param>
    public OutboundTargets(IOptions<OutboundOptions> options, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        _allowed = new(
            options.Value.AllowedHosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            StringComparer.OrdinalIgnoreCase);
        _resolve = resolve;
    }

    /// <summary>The system's resolver, or the DNS servers Outbound:NameServers names.</summary>
    private static Func<string, CancellationToken, Task<IPAddress[]>> ResolverFor(OutboundOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.NameServers))
        {
            return Dns.GetHostAddressesAsync;
        }

        // Validated at start (AddOutboundTargets); a bad value cannot get this far in a running service.
        return NameServerResolver.TryParse(options.NameServers, out var servers) && servers.Count > 0
            ? new NameServerResolver(servers).ResolveAsync
            : throw new ArgumentException($"Outbound:NameServers is not a list of DNS servers: '{options.NameServers}'.", nameof(options));
    }

    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The URL's form: absolute, http(s), no credentials in it, https unless its host is allowed.</summary>
    /// <exception cref="OutboundTargetRefusedException">Why not.</exception>
    public Uri CheckForm(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new OutboundTargetRefusedException("The URL must be an absolute http or https address.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new OutboundTargetRefusedException("The URL must not carry a user name or password.");
        }

        if (uri.Scheme == "http" && !IsAllowed(uri.IdnHost))
        {
            throw new OutboundTargetRefusedException("The URL must use https.");
        }

        return uri;
    }

    /// <summary>Checks the URL's form and what its host resolves to now.</summary>
    /// <exception cref="OutboundTargetRefusedException">Why not.</exception>
    public async Task<Uri> CheckAsync(string? url, CancellationToken cancellationToken)
    {
        var uri = CheckForm(url);
        await AddressesAsync(uri.IdnHost, cancellationToken);
        return uri;
    }

    /// <summary>The host's addresses, each one allowed; refused when it has none or any is not.</summary>
    public async Task<IPAddress[]> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ResolveTimeout);
            try
            {
                addresses = await _resolve(host, timeout.Token);
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
            {
                throw NotAllowed(host, nameNotFound: true); // the name does not exist: the URL's fault
            }
            catch (SocketException exception)
            {
                throw new OutboundLookupFailedException(host, exception); // the resolver's trouble: ours, tried again
            }
            catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OutboundLookupFailedException(host, exception);
            }
        }

        // Every address, not only the first: a name with one public and one private address must not
        // reach the private one on a later connection.
        if (addresses.Length == 0)
        {
            throw NotAllowed(host, nameNotFound: true);
        }

        if (!IsAllowed(host) && addresses.Any(address => !PublicAddresses.IsPublic(address)))
        {
            throw NotAllowed(host);
        }

        return addresses;
    }

    /// <summary>For SocketsHttpHandler.ConnectCallback: connects to a checked address of the request's host.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await AddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                last = exception;
            }
            catch
            {
                socket.Dispose(); // cancelled or worse: no socket is left behind
                throw;
            }
        }

        throw new HttpRequestException($"No address of '{context.DnsEndPoint.Host}' accepted a connection.", last);
    }

    /// <summary>An HTTP client that connects only through <see cref="ConnectAsync"/> and follows no redirect.</summary>
    public HttpMessageHandler CreateHandler() => new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectCallback = ConnectAsync,
        UseCookies = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    /// <summary>
    /// One answer whether the name does not resolve or resolves to a private address: a user learns nothing of
    /// how names resolve inside the service's network.
    /// </summary>
    private static OutboundTargetRefusedException NotAllowed(string host, bool nameNotFound = false) =>
        new($"That address is not allowed: '{host}' must be a name that resolves, to public internet addresses only.", nameNotFound);

    private bool IsAllowed(string host) => _allowed.Contains(host) || _allowed.Contains(host.Trim('[', ']'));
}
