using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace VideoConversion.UnitTests.ServiceDefaults;

/// <summary>The C heap's free pages between live blocks go back to the system when trimmed, on a period, where the C library is glibc.</summary>
public sealed class NativeHeapTrimmingTests
{
    private const int BlockBytes = 16 * 1024; // well below glibc's mmap threshold: every block comes from an arena
    private const int Blocks = 4096; // 64 MiB
    private const int KeptEvery = 32; // a live block after every 31 freed: the free runs lie between live blocks, not at the top
    private const int PageBytes = 4096;

    private static bool IsGlibc => OperatingSystem.IsLinux() && !RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal);

    [Fact]
    public void A_trim_returns_the_free_pages_between_live_blocks_to_the_system()
    {
        Assert.Equal(IsGlibc, NativeHeap.CanTrim);
        if (!IsGlibc)
        {
            Assert.False(NativeHeap.Trim()); // a no-op, not a failure
            return;
        }

        var blocks = new IntPtr[Blocks];
        try
        {
            for (var i = 0; i < Blocks; i++)
            {
                blocks[i] = Marshal.AllocHGlobal(BlockBytes);
                for (var offset = 0; offset < BlockBytes; offset += PageBytes)
                {
                    Marshal.WriteByte(blocks[i], offset, 1); // resident, not just reserved
                }
            }

            for (var i = 0; i < Blocks; i++)
            {
                if (i % KeptEvery != KeptEvery - 1)
                {
                    Marshal.FreeHGlobal(blocks[i]);
                    blocks[i] = IntPtr.Zero;
                }
            }

            var before = ResidentBytes();
            Assert.True(NativeHeap.Trim());
            var released = before - ResidentBytes();

            // 62 MiB lie free between the live blocks; half of it is a margin for the rest of the test run's allocations.
            Assert.True(released > 32L * 1024 * 1024, $"a trim released {released / 1048576.0:F1} MiB");
        }
        finally
        {
            foreach (var block in blocks.Where(block => block != IntPtr.Zero))
            {
                Marshal.FreeHGlobal(block);
            }
        }
    }

    [Fact]
    public async Task The_service_trims_on_its_period_until_stopped()
    {
        using var trimming = new NativeHeapTrimming(NullLogger<NativeHeapTrimming>.Instance, TimeSpan.FromMilliseconds(20));
        await trimming.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (IsGlibc && trimming.Trims < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await trimming.StopAsync(CancellationToken.None);
        var afterStop = trimming.Trims;
        await Task.Delay(200);

        Assert.True(IsGlibc ? afterStop >= 3 : afterStop == 0, $"{afterStop} trims");
        Assert.Equal(afterStop, trimming.Trims);
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").Single(line => line.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kibibytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
        return long.Parse(kibibytes, CultureInfo.InvariantCulture) * 1024;
    }
}
