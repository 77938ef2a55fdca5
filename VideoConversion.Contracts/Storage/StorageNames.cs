namespace VideoConversion.Contracts.Storage;

/// <summary>Where inputs and outputs live. Keys derive from the job id only, never from user input.</summary>
public static class StorageNames
{
    public const string InputBucket = "input";
    public const string OutputBucket = "output";

    /// <summary>User metadata on every output: how it was made. Only a worker whose output passed its check writes it.</summary>
    public const string ConversionMethodMetadata = "conversion-method";

    /// <summary>Deterministic, so a repeated conversion overwrites the same object.</summary>
    public static string OutputKey(string jobId) => $"{jobId}.mp4";

    public static string InputKey(string jobId, string extension) => $"{jobId}{extension}";

    /// <summary>
    /// Where a job's outputs other than its MP4 live: HLS, poster and storyboard files, by their names in the worker's
    /// output folder ("hls/master.m3u8", "poster.jpg"). Deleting the job removes everything under it.
    /// </summary>
    public static string OutputFilesPrefix(string jobId) => $"{jobId}/";

    /// <summary>The object of <paramref name="file"/> (a path relative to the job's output folder, '/'-separated).</summary>
    public static string OutputFileKey(string jobId, string file) => $"{OutputFilesPrefix(jobId)}{file}";

    /// <summary>What the job made (<c>JobOutputs</c> as JSON), stored after every other file: its presence means they all are.</summary>
    public const string OutputManifestFile = "outputs.json";

    public const string HlsFolder = "hls";

    /// <summary>The master playlist, in <see cref="HlsFolder"/>; each rendition's playlist is "{name}.m3u8" beside it.</summary>
    public const string HlsMasterPlaylist = "master.m3u8";

    public const string PosterFile = "poster.jpg";

    public const string StoryboardFolder = "storyboard";

    /// <summary>The storyboard's WebVTT index, in <see cref="StoryboardFolder"/> beside its sprite sheets.</summary>
    public const string StoryboardIndex = "storyboard.vtt";

    /// <summary>The workers' count of a run's attempts; the storage policies give workers this prefix of the output bucket.</summary>
    /// <param name="entry">The run's entry: <see cref="AttemptLedgerEntry"/> (the job id itself for a first run).</param>
    public static string AttemptLedgerKey(string entry) => $"attempts/{entry}.json";

    /// <summary>A run's entry in the attempt ledger: a retry its owner asked for counts its attempts afresh, in an entry of its own.</summary>
    public static string AttemptLedgerEntry(string jobId, int run) => run == 0 ? jobId : $"{jobId}.run{run}";

    public static string InputPath(string inputKey) => $"{InputBucket}/{inputKey}";

    /// <summary>Splits "bucket/key" as carried in job messages.</summary>
    public static (string Bucket, string Key) SplitPath(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || slash == path.Length - 1
            ? throw new FormatException($"'{path}' is not a 'bucket/key' path.")
            : (path[..slash], path[(slash + 1)..]);
    }
}
