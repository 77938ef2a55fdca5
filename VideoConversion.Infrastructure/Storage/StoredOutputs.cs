using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using VideoConversion.Contracts.Storage;

namespace VideoConversion.Infrastructure.Storage;

/// <summary>A job's stored output and how it was made, as the worker records it and the API reads it back.</summary>
/// <param name="Method">The conversion method stored with it; null when the object lacks the metadata.</param>
public sealed record StoredOutput(long Bytes, string? Method);

public static class StoredOutputs
{
    /// <summary>User metadata on every output: how it was made. A worker writes it only on an output that passed its check.</summary>
    public const string MethodHeader = "x-amz-meta-" + StorageNames.ConversionMethodMetadata;

    /// <summary>The stored output of <paramref name="jobId"/>, or null when there is none.</summary>
    public static async Task<StoredOutput?> FindAsync(IMinioClient storage, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            var stat = await storage.StatObjectAsync(new StatObjectArgs()
                .WithBucket(StorageNames.OutputBucket).WithObject(StorageNames.OutputKey(jobId)), cancellationToken);
            var method = stat.MetaData
                .FirstOrDefault(header => header.Key.EndsWith(StorageNames.ConversionMethodMetadata, StringComparison.OrdinalIgnoreCase)).Value;
            return new StoredOutput(stat.Size, method);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }
}
