using System.Globalization;
using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Chaos;

/// <summary>
/// Delays every packet to and from object storage by <paramref name="delay"/> (the seed's
/// 500 ms to MinIO), with Linux traffic control (tc netem) on the interface that reaches it: uploads,
/// downloads and presigning slow down; no job may fail. Needs root and iproute2; local only.
/// </summary>
public sealed class NetworkLatencyFault(Uri storageEndpoint, TimeSpan delay) : IFault
{
    private string? _device;

    public string Name => "network-latency";

    public async Task InjectAsync(LoadRun run, CancellationToken cancellationToken)
    {
        var port = storageEndpoint.Port.ToString(CultureInfo.InvariantCulture);
        var device = storageEndpoint.IsLoopback || storageEndpoint.Host == "localhost" ? "lo" : await DeviceForAsync(storageEndpoint.Host, cancellationToken);
        var milliseconds = ((int)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

        // A priority qdisc whose third band delays; filters send storage traffic (either direction) there.
        await TcAsync(["qdisc", "add", "dev", device, "root", "handle", "1:", "prio"], cancellationToken);
        _device = device; // ours from here: removed when the run ends
        await TcAsync(["qdisc", "add", "dev", _device, "parent", "1:3", "handle", "30:", "netem", "delay", milliseconds], cancellationToken);
        await TcAsync(["filter", "add", "dev", _device, "protocol", "ip", "parent", "1:0", "prio", "3", "u32", "match", "ip", "dport", port, "0xffff", "flowid", "1:3"], cancellationToken);
        await TcAsync(["filter", "add", "dev", _device, "protocol", "ip", "parent", "1:0", "prio", "3", "u32", "match", "ip", "sport", port, "0xffff", "flowid", "1:3"], cancellationToken);
        run.Note($"network-latency: {milliseconds} on every packet to and from storage (port {port}, {_device})");
    }

    private static async Task<string> DeviceForAsync(string host, CancellationToken cancellationToken)
    {
        var address = (await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken)).First();
        var (_, output, _) = await ProcessTools.RunAsync("ip", ["route", "get", address.ToString()], cancellationToken);
        var words = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(words, "dev");
        return index >= 0 && index + 1 < words.Length ? words[index + 1] : throw new LoadTestException($"No route to storage at {host}.");
    }

    private static async Task TcAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var (code, _, error) = await ProcessTools.RunAsync("tc", arguments, cancellationToken);
        if (code != 0)
        {
            throw new LoadTestException($"tc {string.Join(' ', arguments)} failed (it needs root and iproute2): {error.Trim()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_device is not null)
        {
            // Removing the root qdisc removes the delay and its filters.
            await ProcessTools.RunAsync("tc", ["qdisc", "del", "dev", _device, "root"], CancellationToken.None);
        }
    }
}
