namespace VideoConversion.Worker.Conversion.Probing;

/// <summary>What ffprobe found in a file, as far as planning and checking a conversion needs it.</summary>
/// <param name="FormatName">The demuxer that read the file, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm".</param>
/// <param name="Duration">The container's duration, when it states one.</param>
public sealed record MediaInfo(string FormatName, TimeSpan? Duration, IReadOnlyList<StreamInfo> Streams)
{
    /// <summary>Real video streams: cover pictures are stored as one-frame video streams and do not count.</summary>
    public IEnumerable<StreamInfo> VideoStreams =>
        Streams.Where(stream => stream.Kind == StreamKind.Video && !stream.IsAttachedPicture);

    public IEnumerable<StreamInfo> AudioStreams => Streams.Where(stream => stream.Kind == StreamKind.Audio);

    /// <summary>Whether the file was read by the demuxer named <paramref name="demuxer"/> (one of the names in <see cref="FormatName"/>).</summary>
    public bool IsFormat(string demuxer) => FormatName.Split(',').Contains(demuxer, StringComparer.Ordinal);
}
