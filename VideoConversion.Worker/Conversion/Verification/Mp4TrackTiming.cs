using System.Buffers.Binary;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// When a track plays, as FFmpeg's demuxer places it, read from its headers alone: its start (after an empty edit, a
/// delay) and how long it plays (its media, less the audio an edit skips: an encoder's priming). The planner measures
/// an output's length from the kept streams' span, so a track that starts late, or one dropped that runs longer, counts.
/// </summary>
public static class Mp4TrackTiming
{
    /// <returns>
    /// Null where FFmpeg's demuxer would work the timing out from the samples instead, or cut the media to its edit:
    /// reordered frames without an edit list, an edit into the middle of the video, an edit shorter or longer than what
    /// it plays, a timescale it would not take.
    /// </returns>
    public static (TimeSpan Start, TimeSpan Duration)? Of(byte[] file, Mp4Box trak, Mp4Box mdhd, Mp4Box stbl, bool isAudio, uint? movieTimescale)
    {
        var timescale = Timescale(file, mdhd);
        var firstShown = Mp4Boxes.Child(file, stbl, "ctts") is { } ctts ? FirstCompositionOffset(file, ctts) : 0;
        var edits = Mp4EditList.Of(file, trak);
        if (timescale is not { } units || movieTimescale is not { } movieUnits || firstShown is null)
        {
            return null;
        }

        if (MediaUnits(file, mdhd) is not { } media)
        {
            return null;
        }

        if (edits is null)
        {
            // All the media plays from its first sample: shown first unless frames are reordered.
            return firstShown == 0 ? Timing(0, media, units) : null;
        }

        // The edit starts where the first frame is shown (video past its reordering delay, as FFmpeg writes it), or skips
        // samples of audio that is never reordered: an encoder's priming, which FFmpeg's decoder drops.
        var plays = edits[^1];
        if ((plays.MediaTime != firstShown && !(isAudio && firstShown == 0)) || (ulong)plays.MediaTime >= media)
        {
            return null;
        }

        // The edit lasts what it plays, to the movie's units (rounded as FFmpeg's muxer rounds them): a shorter one
        // would have FFmpeg's demuxer cut the media, a longer one is no file of its muxer.
        var played = media - (isAudio ? (ulong)plays.MediaTime : 0);
        if (Math.Abs((double)played / units - (double)plays.SegmentDuration / movieUnits) > 1.0 / movieUnits)
        {
            return null;
        }

        // FFmpeg's demuxer turns the delay into the track's own units, rounding to the nearest.
        var delay = edits is [{ IsEmpty: true } empty, _] ? Math.Round((double)empty.SegmentDuration * units / movieUnits, MidpointRounding.AwayFromZero) : 0;
        return Timing(delay, played, units);
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
        // Version and flags, entry count, then (sample count, offset) pairs. FFmpeg reads every offset as signed, and
        // skips an entry of no samples (then the first sample's offset is another entry's).
        return BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, ctts, 4, 4)) == 0 || BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, ctts, 8, 4)) == 0
            ? null
            : BinaryPrimitives.ReadInt32BigEndian(Mp4Boxes.Field(file, ctts, 12, 4));
    }
}
