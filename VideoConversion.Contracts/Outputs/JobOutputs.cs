namespace VideoConversion.Contracts.Outputs;

/// <summary>
/// What a finished job made, as its worker measured it: stored with the outputs (<c>outputs.json</c>, written last, so
/// its presence means every file is in place), reported to the API, and answered in <c>GET /jobs/{id}</c>. An output
/// that was not asked for is null.
/// </summary>
public sealed record JobOutputs(Mp4Output? Mp4 = null, HlsOutput? Hls = null, PosterOutput? Poster = null, StoryboardOutput? Storyboard = null)
{
    /// <summary>Everything stored, in bytes: what the job counts against its owner's storage quota.</summary>
    public long TotalBytes => (Mp4?.Bytes ?? 0) + (Hls?.Bytes ?? 0) + (Poster?.Bytes ?? 0) + (Storyboard?.Bytes ?? 0);
}

/// <param name="Width">The picture as displayed (rotation applied).</param>
public sealed record Mp4Output(long Bytes, int Width, int Height);

/// <summary>An adaptive stream: the renditions, best first, and the one audio rendition they share.</summary>
/// <param name="SegmentSeconds">The target segment length; every segment but the last is within it.</param>
public sealed record HlsOutput(IReadOnlyList<HlsRendition> Renditions, HlsAudio? Audio, double SegmentSeconds, long Bytes);

/// <summary>One video rendition, with the facts its master playlist entry states.</summary>
/// <param name="Name">Its name in storage and in playlist paths, e.g. "720p".</param>
/// <param name="Bandwidth">The peak bit rate of any of its segments, with the audio's peak (the playlist's BANDWIDTH).</param>
/// <param name="AverageBandwidth">Its average bit rate, with the audio's (AVERAGE-BANDWIDTH).</param>
/// <param name="Codecs">RFC 6381 codec strings, video and audio: "avc1.64001f,mp4a.40.2".</param>
public sealed record HlsRendition(
    string Name, int Width, int Height, long Bandwidth, long AverageBandwidth, string Codecs, double FrameRate, int Segments);

/// <summary>The audio rendition every video rendition plays with (one group, so the sound is encoded and stored once).</summary>
public sealed record HlsAudio(string Name, string Codec, int Channels, int SampleRate, long Bandwidth, long AverageBandwidth);

public sealed record PosterOutput(int Width, int Height, long Bytes, string ContentType = "image/jpeg");

/// <summary>Thumbnails in sprite sheets of <see cref="Columns"/> × <see cref="Rows"/> tiles, one every <see cref="IntervalSeconds"/>.</summary>
/// <param name="Tiles">How many thumbnails in all (the last sheet may be partly empty).</param>
public sealed record StoryboardOutput(
    int TileWidth, int TileHeight, int Columns, int Rows, double IntervalSeconds, int Tiles, int Sheets, long Bytes);
