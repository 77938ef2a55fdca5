using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Stores a job's checked outputs, streamed from their files (<see cref="FileUploads"/>). The MP4 is stored with how it
/// was made as metadata, appearing whole or not at all (its presence is the mark of a finished MP4-only job); every other
/// file goes under the job's prefix, a few at a time, and the manifest last, so that its presence means everything
/// before it is stored.
/// </summary>
public sealed class OutputUploader(FileUploads files, ConversionMetrics metrics)
{
    /// <summary>Files stored at once: enough to hide each request's round trip, few enough not to crowd storage.</summary>
    private const int ParallelUploads = 4;

    /// <returns>The bytes stored.</returns>
    /// <param name="run">The job's run (<c>VideoJobMessage.Run</c>), recorded in the manifest.</param>
    public async Task<long> UploadAsync(string jobId, int run, OutputFiles outputs, ConversionSummary summary, CancellationToken cancellationToken)
    {
        long stored = 0;
        var others = Directory.Exists(outputs.Folder) ? Directory.EnumerateFiles(outputs.Folder, "*", SearchOption.AllDirectories).ToList() : [];
        await Parallel.ForEachAsync(others, new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken },
            async (file, token) =>
            {
                var relative = Path.GetRelativePath(outputs.Folder, file).Replace(Path.DirectorySeparatorChar, '/');
                await files.UploadAsync(StorageNames.OutputFileKey(jobId, relative), file, ContentTypeOf(file), token);
                Interlocked.Add(ref stored, new FileInfo(file).Length);
            });

        if (summary.Plan.Outputs.Mp4)
        {
            await files.UploadAsync(StorageNames.OutputKey(jobId), outputs.Mp4, "video/mp4", cancellationToken,
                new Dictionary<string, string> { [StoredOutputs.MethodHeader] = summary.Method });
            stored += new FileInfo(outputs.Mp4).Length;
        }

        if (summary.Plan.Outputs.DecodesVideo)
        {
            var manifest = new OutputManifest(summary.Method, summary.Plan.Duration?.TotalSeconds, summary.Outputs, run).ToBytes();
            await files.UploadAsync(StorageNames.OutputFileKey(jobId, StorageNames.OutputManifestFile), manifest, "application/json", cancellationToken);
        }

        metrics.Uploaded(stored);
        return stored;
    }

    /// <summary>What players and browsers expect each kind of file to be served as.</summary>
    public static string ContentTypeOf(string file) => Path.GetExtension(file) switch
    {
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".m4s" => "video/iso.segment",
        ".mp4" => "video/mp4",
        ".jpg" => "image/jpeg",
        ".vtt" => "text/vtt",
        _ => "application/octet-stream",
    };
}
