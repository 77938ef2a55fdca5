using System.Text.Json;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;

namespace VideoConversion.Infrastructure.Storage;

/// <summary>
/// What a job with outputs beyond the MP4 made, stored as <see cref="StorageNames.OutputManifestFile"/> after every
/// other file of it: its presence means the outputs are complete and checked, so a redelivered job reports them
/// instead of converting again, and the API can serve its playlists.
/// </summary>
/// <param name="Method">How the video was converted ("remux", "transcode"…).</param>
/// <param name="DurationSeconds">How long it plays, when known.</param>
/// <param name="Run">The job's run that made them: a manifest of an earlier run (before its owner's retry) is not this run's.</param>
public sealed record OutputManifest(string Method, double? DurationSeconds, JobOutputs Outputs, int Run = 0)
{
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, MessageSerializer.Options);

    /// <summary>The manifest of <paramref name="jobId"/>'s run <paramref name="run"/>, or null when that run's outputs are not (all) stored.</summary>
    public static async Task<OutputManifest?> FindAsync(IMinioClient storage, string jobId, int run, CancellationToken cancellationToken)
    {
        try
        {
            using var buffer = new MemoryStream();
            await storage.GetObjectAsync(new GetObjectArgs()
                .WithBucket(StorageNames.OutputBucket)
                .WithObject(StorageNames.OutputFileKey(jobId, StorageNames.OutputManifestFile))
                .WithCallbackStream((stream, token) => stream.CopyToAsync(buffer, token)), cancellationToken);
            return JsonSerializer.Deserialize<OutputManifest>(buffer.ToArray(), MessageSerializer.Options) is { } manifest && manifest.Run == run
                ? manifest
                : null;
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }
}
