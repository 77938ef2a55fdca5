using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace VideoConversion.UnitTests.ServiceDefaults;

/// <summary>The C heap's free pages between live blocks go back to the system when trimmed, on a period, where the C library is glibc.</summary>
[Collection(NativeHeapAlone.Name)]
public sealed class NativeHeapTrimmingTests
{
    private const int BlockBytes = 16 * 1024; // well below glibc's mmap threshold: every block comes from an arena
    private const int Blocks = 4096; // 64 MiB
    private const int KeptEvery = 32; // a live block after every 31 freed: the free runs lie between live blocks, not at the top
    private const int PageBytes = 4096;

    private static bool IsGlibc =>
        OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps").Any(mapping => mapping.EndsWith("/libc.so.6", StringComparison.Ordinal));

    [Fact]
    public void A_trim_returns_the_free_pages_between_live_blocks_to_the_system()
    {
        Assert.Equal(IsGlibc, NativeHeap.CanTrim);
        if (!IsGlibc)
        {
            NativeHeap.Trim(); // a no-op, not a failure
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

            // The pages well inside each free run: not next to a live block, whose chunk headers glibc keeps.
            var freedPages = new List<long>();
            for (var i = 0; i < Blocks; i++)
            {
                if (i % KeptEvery != KeptEvery - 1)
                {
                    if (i % KeptEvery is > 0 and < KeptEvery - 2)
                    {
                        freedPages.AddRange(WholePages(blocks[i]));
                    }

                    Marshal.FreeHGlobal(blocks[i]);
                    blocks[i] = IntPtr.Zero;
                }
            }

            var residentBefore = Resident(freedPages);
            NativeHeap.Trim();
            var residentAfter = Resident(freedPages);

            Assert.True(residentBefore > freedPages.Count * 9 / 10, $"{residentBefore} of {freedPages.Count} freed pages resident before the trim");
            Assert.True(residentAfter < freedPages.Count / 10, $"{residentAfter} of {freedPages.Count} freed pages resident after the trim");
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

    private static IEnumerable<long> WholePages(IntPtr block)
    {
        var first = ((long)block + PageBytes - 1) / PageBytes;
        var end = ((long)block + BlockBytes) / PageBytes;
        for (var page = first; page < end; page++)
        {
            yield return page;
        }
    }

    /// <summary>How many of these pages are in memory: bit 63 of each page's entry in /proc/self/pagemap.</summary>
    private static int Resident(IReadOnlyList<long> pages)
    {
        using var pagemap = File.OpenHandle("/proc/self/pagemap");
        Span<byte> entry = stackalloc byte[8];
        var resident = 0;
        foreach (var page in pages)
        {
            if (RandomAccess.Read(pagemap, entry, page * 8) == 8 && (BinaryPrimitives.ReadUInt64LittleEndian(entry) & (1UL << 63)) != 0)
            {
                resident++;
            }
        }

        return resident;
    }
}

/// <summary>The C heap's tests run alone: no other test's trim (every host started runs one), or allocations, between their frees and their trim.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapAlone
{
    public const string Name = "The C heap, alone";
}
