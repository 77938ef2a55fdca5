using System.Runtime.InteropServices;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The process's C heap (glibc's malloc), where the runtime, its JIT and the native libraries (SQLite, OpenSSL) allocate.
/// glibc returns a freed page to the operating system only from the top of an arena: the free pages between live blocks
/// stay resident until <c>malloc_trim</c> walks the arenas and releases them.
/// </summary>
public static partial class NativeHeap
{
    // glibc's soname: musl (Alpine) has neither the file nor malloc_trim, so there trimming is unavailable and skipped.
    private const string Glibc = "libc.so.6";

    private static readonly Lazy<bool> Available = new(() =>
        NativeLibrary.TryLoad(Glibc, out var library) && NativeLibrary.TryGetExport(library, "malloc_trim", out _));

    /// <summary>Whether the C library is glibc, the one whose free pages need a trim.</summary>
    public static bool CanTrim => Available.Value;

    /// <summary>Releases every free page of every arena. True if any memory was returned; false if none, or not glibc.</summary>
    public static bool Trim() => CanTrim && MallocTrim(0) != 0;

    [LibraryImport(Glibc, EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
