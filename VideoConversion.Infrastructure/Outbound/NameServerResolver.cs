using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace VideoConversion.Infrastructure.Outbound;

/// <summary>
/// Looks names up at the DNS servers <see cref="OutboundOptions.NameServers"/> names, with the system resolver's
/// answers as <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> gives them: every A and AAAA
/// address, a <see cref="SocketException"/> (HostNotFound) for a name that does not exist, and (TryAgain) for a
/// server in trouble. Nothing is cached here, so every connection sees what the name resolves to then.
/// </summary>
public sealed class NameServerResolver
{
    private readonly LookupClient _client;

    public NameServerResolver(IReadOnlyList<IPEndPoint> servers) =>
        _client = new LookupClient(new LookupClientOptions([.. servers.Select(server => new NameServer(server))])
        {
            UseCache = false,
            Timeout = TimeSpan.FromSeconds(3),
            Retries = 1,
            ThrowDnsErrors = false,
            UseTcpFallback = true,
        });

    /// <summary>"1.1.1.1,[::1]:5353" → the endpoints (port 53 unless given); false when any part is not one.</summary>
    public static bool TryParse(string text, out IReadOnlyList<IPEndPoint> servers)
    {
        var parsed = new List<IPEndPoint>();
        servers = parsed;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPAddress.TryParse(part, out var address))
            {
                parsed.Add(new IPEndPoint(address, 53));
            }
            else if (IPEndPoint.TryParse(part, out var endpoint) && endpoint.Port > 0)
            {
                parsed.Add(endpoint);
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(QueryAsync(host, QueryType.A, cancellationToken), QueryAsync(host, QueryType.AAAA, cancellationToken));
        if (answers.Any(answer => answer.Response?.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain))
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        IPAddress[] addresses =
        [
            .. answers.SelectMany(answer => answer.Response?.Answers.OfType<ARecord>() ?? []).Select(record => record.Address),
            .. answers.SelectMany(answer => answer.Response?.Answers.OfType<AaaaRecord>() ?? []).Select(record => record.Address),
        ];
        if (addresses.Length > 0)
        {
            return addresses; // as the system's resolver does, whatever one family's query met
        }

        // Nothing found: a server in trouble is ours to try again; a name with no address is the URL's.
        if (answers.FirstOrDefault(answer => answer.Error is not null) is { Error: { } error })
        {
            throw new SocketException((int)SocketError.TryAgain, error);
        }

        throw new SocketException((int)SocketError.NoData);
    }

    /// <summary>One question; the server's failure (no answer, a garbled one, SERVFAIL) as an error, never thrown.</summary>
    private async Task<(IDnsQueryResponse? Response, string? Error)> QueryAsync(string host, QueryType type, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.QueryAsync(host, type, QueryClass.IN, cancellationToken);
            return response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain
                ? (response, response.ErrorMessage)
                : (response, null);
        }
        catch (ArgumentException)
        {
            // Not a name DNS can carry (a label over 63 octets, a name over 255): no such name.
            throw new SocketException((int)SocketError.HostNotFound);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // DnsClient reports a cancelled query as a timeout: the caller's cancellation stays a cancellation.
            cancellationToken.ThrowIfCancellationRequested();
            return (null, exception.Message);
        }
    }
}
