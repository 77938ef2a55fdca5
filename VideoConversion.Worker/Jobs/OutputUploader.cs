using Minio;
using Minio.DataModel.Args;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Stores a job's checked outputs. The MP4 goes in one PUT with how it was made as metadata (its presence is the mark of
/// a finished MP4-only job); every other file goes under the job's prefix, a few at a time, and the manifest last, so
/// that its presence means everything before it is stored.
/// </summary>
public sealed class OutputUploader(IMinioClient storage, ConversionMetrics metrics)
{
    /// <summary>Files stored at once: enough to hide each request's round trip, few enough not to crowd storage.</summary>
    private const int ParallelUploads = 4;

    /// <returns>The bytes stored.</returns>
    /// <param name="run">The job's run (<c>VideoJobMessage.Run</c>), recorded in the manifest.</param>
    public async Task<long> UploadAsync(string jobId, int run, OutputFiles files, ConversionSummary summary, CancellationToken cancellationToken)
    {
        long stored = 0;
        var others = Directory.Exists(files.Folder) ? Directory.EnumerateFiles(files.Folder, "*", SearchOption.AllDirectories).ToList() : [];
        await Parallel.ForEachAsync(others, new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken },
            async (file, token) =>
            {
                var relative = Path.GetRelativePath(files.Folder, file).Replace(Path.DirectorySeparatorChar, '/');
                await storage.PutObjectAsync(new PutObjectArgs()
                    .WithBucket(StorageNames.OutputBucket)
                    .WithObject(StorageNames.OutputFileKey(jobId, relative))
                    .WithFileName(file)
                    .WithContentType(ContentTypeOf(file)), token);
                Interlocked.Add(ref stored, new FileInfo(file).Length);
            });

        if (summary.Plan.Outputs.Mp4)
        {
            await storage.PutObjectAsync(new PutObjectArgs()
                .WithBucket(StorageNames.OutputBucket)
                .WithObject(StorageNames.OutputKey(jobId))
                .WithFileName(files.Mp4)
                .WithContentType("video/mp4")
                .WithHeaders(new Dictionary<string, string> { [StoredOutputs.MethodHeader] = summary.Method }), cancellationToken);
            stored += new FileInfo(files.Mp4).Length;
        }

        if (summary.Plan.Outputs.DecodesVideo)
        {
            var manifest = new OutputManifest(summary.Method, summary.Plan.Duration?.TotalSeconds, summary.Outputs, run).ToBytes();
            using var body = new MemoryStream(manifest);
            await storage.PutObjectAsync(new PutObjectArgs()
                .WithBucket(StorageNames.OutputBucket)
                .WithObject(StorageNames.OutputFileKey(jobId, StorageNames.OutputManifestFile))
                .WithStreamData(body)
                .WithObjectSize(manifest.Length)
                .WithContentType("application/json"), cancellationToken);
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
