using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A DNS server on loopback UDP that answers A and AAAA questions from a table a test changes as it goes (a name
/// public now and private a moment later: DNS rebinding); a name not in the table does not exist (NXDOMAIN).
/// The systems under test look the users' names up here (Outbound:NameServers), as a deployment would at its resolver.
/// </summary>
public sealed class TestNameServer : IAsyncDisposable
{
    private const ushort TypeA = 1;
    private const ushort TypeAaaa = 28;

    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly ConcurrentDictionary<string, IPAddress> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;

    private TestNameServer() => _serving = Task.Run(ServeAsync);

    /// <summary>The one server of the test run, that every system under test is started with.</summary>
    public static TestNameServer Shared { get; } = new();

    /// <summary>For Outbound:NameServers.</summary>
    public string Address => ((IPEndPoint)_socket.Client.LocalEndPoint!).ToString();

    /// <summary>From now on <paramref name="name"/> resolves to <paramref name="address"/> alone.</summary>
    public void Map(string name, IPAddress address) => _names[name] = address;

    private async Task ServeAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var query = await _socket.ReceiveAsync(_stopping.Token);
                if (Answer(query.Buffer) is { } answer)
                {
                    await _socket.SendAsync(answer, query.RemoteEndPoint, _stopping.Token);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException && _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // One client's trouble (an ICMP unreachable for a client gone): the server goes on for the others.
            }
        }
    }

    /// <summary>The answer to one query (RFC 1035 §4): its header and question echoed, then the record, if any.</summary>
    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) != 1)
        {
            return null;
        }

        var labels = new List<string>();
        var offset = 12;
        while (offset < query.Length && query[offset] != 0)
        {
            int length = query[offset];
            if (length > 63 || offset + 1 + length > query.Length)
            {
                return null;
            }

            labels.Add(System.Text.Encoding.ASCII.GetString(query, offset + 1, length));
            offset += 1 + length;
        }

        var questionEnd = offset + 5; // the root label, QTYPE, QCLASS
        if (questionEnd > query.Length)
        {
            return null;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset + 1));
        var known = _names.TryGetValue(string.Join('.', labels), out var address);
        var record = known && ((type == TypeA && address!.AddressFamily == AddressFamily.InterNetwork) ||
                               (type == TypeAaaa && address!.AddressFamily == AddressFamily.InterNetworkV6))
            ? address!.GetAddressBytes()
            : null;

        using var answer = new MemoryStream();
        answer.Write(query.AsSpan(0, 2)); // the query's id
        answer.Write([0x81, known ? (byte)0x80 : (byte)0x83]); // a response, recursion desired and available; NXDOMAIN when unknown
        answer.Write([0, 1, 0, record is null ? (byte)0 : (byte)1, 0, 0, 0, 0]);
        answer.Write(query.AsSpan(12, questionEnd - 12));
        if (record is not null)
        {
            answer.Write([0xC0, 12]); // the name, pointing at the question's
            answer.Write([(byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 0]); // type, class IN, TTL 0: never cached
            answer.Write([0, (byte)record.Length]);
            answer.Write(record);
        }

        return answer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _socket.Dispose();
        await _serving;
        _stopping.Dispose();
    }
}
