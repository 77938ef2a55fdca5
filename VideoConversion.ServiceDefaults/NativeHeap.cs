using System.Runtime.InteropServices;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The process's C heap (glibc's malloc), where the runtime, its JIT and the native libraries (SQLite, OpenSSL) allocate.
/// glibc returns a freed page to the operating system only from the top of an arena: the free pages between live blocks
/// stay resident until <c>malloc_trim</c> walks the arenas and releases them.
/// </summary>
public static class NativeHeap
{
    // glibc's soname. Where it or its malloc_trim cannot be found (musl, macOS, Windows), trimming is skipped.
    private const string Glibc = "libc.so.6";

    // Looked up once, and called through this address: the check and the call cannot disagree about the library.
    private static readonly nint MallocTrim =
        NativeLibrary.TryLoad(Glibc, out var library) && NativeLibrary.TryGetExport(library, "malloc_trim", out var address) ? address : 0;

    /// <summary>Whether glibc's <c>malloc_trim</c> was found.</summary>
    public static bool CanTrim => MallocTrim != 0;

    /// <summary>Releases the free pages of every arena to the operating system; nothing where <see cref="CanTrim"/> is false.</summary>
    public static unsafe void Trim()
    {
        if (MallocTrim != 0)
        {
            // int malloc_trim(size_t pad): its result says whether whole free pages were found, released before or not.
            _ = ((delegate* unmanaged<nuint, int>)MallocTrim)(0);
        }
    }
}
