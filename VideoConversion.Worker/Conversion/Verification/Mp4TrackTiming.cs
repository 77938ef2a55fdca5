using System.Buffers.Binary;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// When a track plays, as FFmpeg's demuxer places it, read from its headers alone: its start (after an empty edit, a
/// delay) and how long it plays (its media, less the audio an edit skips: an encoder's priming). The planner measures
/// an output's length from the kept streams' span, so a track that starts late, or one dropped that runs longer, counts.
/// </summary>
public static class Mp4TrackTiming
{
    /// <summary>
    /// Coarser movie timescales than FFmpeg's muxer writes (1,000 a second) would let an edit differ from what it plays
    /// by more than a millisecond unseen.
    /// </summary>
    private const uint MinMovieTimescale = 1000;

    /// <returns>
    /// Null for any timing but the shapes FFmpeg's muxer writes, whose reading by its demuxer the tests hold to
    /// ffprobe's: reordered frames without an edit list, an edit into the middle of the video, audio both delayed and
    /// trimmed, an edit shorter or longer than what it plays, media and samples of different lengths, a timescale it
    /// would not take.
    /// </returns>
    /// <param name="timescale">The track's timescale (<see cref="Timescale"/> of its mdhd).</param>
    public static (TimeSpan Start, TimeSpan Duration)? Of(
        byte[] file, Mp4Box trak, Mp4Box mdhd, uint timescale, Mp4Box stbl, bool isAudio, uint movieTimescale)
    {
        // FFmpeg's demuxer takes the shorter of the media header's duration and the samples' own: here they must agree.
        if (MediaUnits(file, mdhd) is not { } media || media != SampleUnits(file, stbl)
            || movieTimescale < MinMovieTimescale
            || (Mp4Boxes.Child(file, stbl, "ctts") is { } ctts ? FirstCompositionOffset(file, ctts) : 0) is not { } firstShown)
        {
            return null;
        }

        var edits = Mp4EditList.Of(file, trak);
        if (edits is null)
        {
            // All the media plays from its first sample: shown first unless frames are reordered.
            return firstShown == 0 ? Timing(0, media, timescale) : null;
        }

        // What FFmpeg's muxer writes: video edited to start where its first frame is shown (past its reordering delay),
        // delayed or not; audio, never reordered, either edited past its encoder's priming (which FFmpeg's decoder
        // drops, so the stream is shorter by it) or delayed and played from its start, not both.
        var delayed = edits is [{ IsEmpty: true }, _];
        var plays = edits[^1];
        var videoFromItsFirstFrame = !isAudio && plays.MediaTime == firstShown;
        var audioPastItsPriming = isAudio && firstShown == 0 && !delayed;
        var audioDelayed = isAudio && firstShown == 0 && plays.MediaTime == 0;
        if (!(videoFromItsFirstFrame || audioPastItsPriming || audioDelayed) || (ulong)plays.MediaTime >= media)
        {
            return null;
        }

        // The edit lasts what it plays, to the movie's units: a shorter one would have FFmpeg's demuxer cut the media.
        var played = media - (isAudio ? (ulong)plays.MediaTime : 0);
        if (Math.Abs((double)played / timescale - (double)plays.SegmentDuration / movieTimescale) > 1.0 / movieTimescale)
        {
            return null;
        }

        // FFmpeg's demuxer turns the delay into the track's own units, rounding to the nearest.
        var delay = delayed ? Math.Round((double)edits[0].SegmentDuration * timescale / movieTimescale, MidpointRounding.AwayFromZero) : 0;
        return Timing(delay, played, timescale);
    }

    private static (TimeSpan Start, TimeSpan Duration)? Timing(double startUnits, double durationUnits, uint timescale) =>
        (startUnits + durationUnits) / timescale < TimeSpan.MaxValue.TotalSeconds / 2
            ? (TimeSpan.FromSeconds(startUnits / timescale), TimeSpan.FromSeconds(durationUnits / timescale))
            : null;

    /// <summary>mvhd's or mdhd's timescale, its units a second; null for none, or one FFmpeg would read otherwise (as signed).</summary>
    public static uint? Timescale(byte[] file, Mp4Box header)
    {
        // Version 1 widens the creation and modification times before it to 64 bits.
        var timescale = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, header, Mp4Boxes.Version(file, header) == 1 ? 20 : 12, 4));
        return timescale is 0 or > int.MaxValue ? null : timescale;
    }

    /// <summary>mvhd's or mdhd's duration; null when unknown, or too long to be a duration.</summary>
    public static TimeSpan? MediaDuration(byte[] file, Mp4Box header, uint timescale) =>
        MediaUnits(file, header) is { } duration && (double)duration / timescale < TimeSpan.MaxValue.TotalSeconds / 2
            ? TimeSpan.FromSeconds((double)duration / timescale)
            : null;

    /// <summary>mvhd's or mdhd's duration in its own units; null when unknown.</summary>
    private static ulong? MediaUnits(byte[] file, Mp4Box header)
    {
        // Version 1 widens the times before it, and the duration, to 64 bits.
        var wide = Mp4Boxes.Version(file, header) == 1;
        var duration = wide
            ? BinaryPrimitives.ReadUInt64BigEndian(Mp4Boxes.Field(file, header, 24, 8))
            : BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, header, 16, 4));
        return duration == 0 || duration == (wide ? ulong.MaxValue : uint.MaxValue) || duration > long.MaxValue ? null : duration;
    }

    /// <summary>The first sample's composition offset (ctts): how much later than decoded it is shown; null when none is stated.</summary>
    private static long? FirstCompositionOffset(byte[] file, Mp4Box ctts)
    {
        // Version and flags, entry count, then (sample count, offset) pairs. FFmpeg reads counts and offsets as signed,
        // and skips an entry of no samples (then the first sample's offset is another entry's).
        var entries = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, ctts, 4, 4));
        var firstCount = BinaryPrimitives.ReadInt32BigEndian(Mp4Boxes.Field(file, ctts, 8, 4));
        return entries == 0 || firstCount <= 0 ? null : BinaryPrimitives.ReadInt32BigEndian(Mp4Boxes.Field(file, ctts, 12, 4));
    }

    /// <summary>The samples' durations (stts) added up, in the track's units.</summary>
    private static ulong SampleUnits(byte[] file, Mp4Box stbl) =>
        Mp4Samples.Durations(file, stbl).Aggregate(0UL, (total, run) => checked(total + (ulong)run.Count * run.Duration));
}
