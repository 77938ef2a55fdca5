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
        IDnsQueryResponse[] answers;
        try
        {
            answers = await Task.WhenAll(
                _client.QueryAsync(host, QueryType.A, QueryClass.IN, cancellationToken),
                _client.QueryAsync(host, QueryType.AAAA, QueryClass.IN, cancellationToken));
        }
        catch (DnsResponseException exception)
        {
            throw new SocketException((int)SocketError.TryAgain, exception.Message);
        }

        if (answers.Any(answer => answer.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain))
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        if (answers.FirstOrDefault(answer => answer.HasError) is { } failed)
        {
            throw new SocketException((int)SocketError.TryAgain, failed.ErrorMessage);
        }

        IPAddress[] addresses =
        [
            .. answers.SelectMany(answer => answer.Answers.OfType<ARecord>()).Select(record => record.Address),
            .. answers.SelectMany(answer => answer.Answers.OfType<AaaaRecord>()).Select(record => record.Address),
        ];
        return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.NoData);
    }
}
