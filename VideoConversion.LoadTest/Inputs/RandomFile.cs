namespace VideoConversion.LoadTest.Inputs;

/// <summary>
/// A file of random bytes, for measuring uploads: storage does not look inside, and random bytes cannot be made smaller on
/// the way by anything that compresses. Kept and reused, like the generated videos.
/// </summary>
public static class RandomFile
{
    private const int ChunkBytes = 1024 * 1024;

    /// <param name="mebibytes">The file's size in MiB.</param>
    public static async Task<string> CreateAsync(string directory, int mebibytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"random-{mebibytes}MiB.bin");
        var bytes = mebibytes * (long)ChunkBytes;
        if (File.Exists(path) && new FileInfo(path).Length == bytes)
        {
            return path;
        }

        var buffer = new byte[ChunkBytes];
        await using (var file = new FileStream(path + ".part", FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true))
        {
            for (var written = 0L; written < bytes; written += ChunkBytes)
            {
                Random.Shared.NextBytes(buffer);
                await file.WriteAsync(buffer, cancellationToken);
            }
        }

        File.Move(path + ".part", path, overwrite: true);
        return path;
    }
}
