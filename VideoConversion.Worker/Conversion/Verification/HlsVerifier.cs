using System.Globalization;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Holds an adaptive stream to its contract before it is stored, and measures it for its master playlist: every
/// rendition reads back as browser-safe H.264 at its planned size (its init segment and first segment, through
/// ffprobe), every segment starts on a keyframe at the same instant in every rendition (read from the fragments
/// themselves, without decoding), and no segment runs past the target.
/// </summary>
public sealed class HlsVerifier(MediaProbe probe)
{
    /// <summary>Renditions' segments start within this of each other: the same picture, whatever its timescale.</summary>
    private static readonly double AlignmentToleranceSeconds = 0.002;

    /// <summary>The longest a segment may last: the target and a couple of seconds for a source whose frames are far apart.</summary>
    private static readonly double LongestSegmentSeconds = HlsPlan.SegmentLength.TotalSeconds + 2;

    /// <exception cref="ConversionFailedException">A rendition breaks the contract (what failed is in the diagnostics).</exception>
    public async Task<HlsOutput> CheckAsync(OutputFiles files, ConversionPlan plan, CancellationToken cancellationToken)
    {
        var hls = plan.Outputs.Hls ?? throw new InvalidOperationException("The plan makes no HLS.");
        List<string> problems = [];
        List<MeasuredRendition> videos = [];
        foreach (var rendition in hls.Renditions)
        {
            videos.Add(Measure(files, rendition.Name, problems));
        }

        var audio = plan.Audio is null ? null : Measure(files, HlsPlan.AudioName, problems);
        Fail(problems);

        foreach (var (rendition, measured) in hls.Renditions.Zip(videos))
        {
            await CheckPictureAsync(files, measured, rendition, problems, cancellationToken);
        }

        if (audio is not null)
        {
            await CheckSoundAsync(files, audio, problems, cancellationToken);
        }

        CheckSegments(videos, audio, problems);
        CheckDuration(videos[0], plan, problems);
        Fail(problems);

        var audioPeak = audio?.PeakBitrate ?? 0;
        var audioAverage = audio?.AverageBitrate ?? 0;
        var renditions = hls.Renditions.Zip(videos, (rendition, measured) => new HlsRendition(
            rendition.Name, rendition.Width, rendition.Height,
            (long)Math.Ceiling(measured.PeakBitrate + audioPeak),
            (long)Math.Ceiling(measured.AverageBitrate + audioAverage),
            audio is null ? measured.Track.Codec : $"{measured.Track.Codec},{audio.Track.Codec}",
            // The rate the renditions were made at; measured only when the source stated none (a variable-rate one's average).
            Math.Round(hls.FrameRate ?? measured.FrameRate, 3),
            measured.Playlist.Segments.Count)).ToList();
        var audioFacts = audio is null ? null : new HlsAudio(
            HlsPlan.AudioName, audio.Track.Codec, audio.Channels, audio.SampleRate, (long)Math.Ceiling(audioPeak), (long)Math.Ceiling(audioAverage));
        var bytes = Directory.EnumerateFiles(files.HlsFolder).Sum(file => new FileInfo(file).Length);
        return new HlsOutput(renditions, audioFacts, HlsPlan.SegmentLength.TotalSeconds, bytes);
    }

    /// <summary>A rendition's playlist, init segment and fragments, read without decoding; what is wrong goes to <paramref name="problems"/>.</summary>
    private static MeasuredRendition Measure(OutputFiles files, string name, List<string> problems)
    {
        var playlistPath = files.HlsPlaylist(name);
        MediaPlaylist playlist;
        try
        {
            playlist = MediaPlaylist.Parse(File.ReadAllText(playlistPath));
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or FormatException)
        {
            problems.Add($"rendition {name}: its playlist cannot be read ({exception.Message})");
            return MeasuredRendition.Unreadable(name);
        }

        if (!playlist.Ended || playlist.InitSegment is null || playlist.Segments.Count == 0)
        {
            problems.Add($"rendition {name}: its playlist is incomplete (no end, init segment or segments)");
            return MeasuredRendition.Unreadable(name);
        }

        try
        {
            var track = Fmp4Boxes.ReadInit(Path.Combine(files.HlsFolder, playlist.InitSegment));
            var fragments = playlist.Segments.Select(segment => Fmp4Boxes.ReadSegment(Path.Combine(files.HlsFolder, segment.Uri), track)).ToList();
            return new MeasuredRendition(name, playlist, track, fragments);
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            problems.Add($"rendition {name}: its segments cannot be read ({exception.Message})");
            return MeasuredRendition.Unreadable(name);
        }
    }

    private async Task CheckPictureAsync(
        OutputFiles files, MeasuredRendition measured, RenditionPlan rendition, List<string> problems, CancellationToken cancellationToken)
    {
        if (!measured.Track.Codec.StartsWith("avc1.4d", StringComparison.Ordinal) && !measured.Track.Codec.StartsWith("avc1.64", StringComparison.Ordinal))
        {
            problems.Add($"rendition {rendition.Name}: its codec is {measured.Track.Codec}, not H.264 Main or High");
        }

        var video = (await ProbeFirstSegmentAsync(files, measured, problems, cancellationToken))?.VideoStreams.FirstOrDefault();
        if (video is null)
        {
            problems.Add($"rendition {rendition.Name}: it has no readable video");
            return;
        }

        if (!BrowserCompatibility.IsBrowserSafe(video))
        {
            problems.Add($"rendition {rendition.Name}: its video is {video.CodecName} {video.Profile} {video.PixelFormat} {video.Width}×{video.Height}, " +
                         "not progressive H.264 Main/High yuv420p");
        }

        if ((video.Width, video.Height) != (rendition.Width, rendition.Height))
        {
            problems.Add($"rendition {rendition.Name}: it is {video.Width}×{video.Height} instead of {rendition.Width}×{rendition.Height}");
        }
    }

    private async Task CheckSoundAsync(OutputFiles files, MeasuredRendition audio, List<string> problems, CancellationToken cancellationToken)
    {
        var sound = (await ProbeFirstSegmentAsync(files, audio, problems, cancellationToken))?.AudioStreams.FirstOrDefault();
        if (sound is null || !BrowserCompatibility.IsBrowserSafeAudio(sound) || audio.Track.Codec != "mp4a.40.2")
        {
            problems.Add($"the audio rendition is {sound?.CodecName} {sound?.Profile} ({audio.Track.Codec}), not AAC-LC mono or stereo");
            return;
        }

        audio.Channels = sound.Channels;
        audio.SampleRate = sound.SampleRate;
    }

    /// <summary>The init segment and the first media segment as one file, as a player starts it, decoded whole by ffprobe.</summary>
    private async Task<MediaInfo?> ProbeFirstSegmentAsync(
        OutputFiles files, MeasuredRendition measured, List<string> problems, CancellationToken cancellationToken)
    {
        var joined = Path.Combine(files.HlsFolder, $"{measured.Name}.check.mp4");
        try
        {
            await using (var output = File.Create(joined))
            {
                foreach (var part in new[] { measured.Playlist.InitSegment!, measured.Playlist.Segments[0].Uri })
                {
                    await using var input = File.OpenRead(Path.Combine(files.HlsFolder, part));
                    await input.CopyToAsync(output, cancellationToken);
                }
            }

            var media = await probe.ProbeDecodingAsync(joined, cancellationToken);
            // Every sample of the segment must come out of the decoder as a frame: it decodes, not only parses.
            // (Video only: an AAC decoder may drop the priming frame the stream asks it to skip.)
            var samples = measured.Fragments[0].Samples;
            if (media.VideoStreams.FirstOrDefault() is { } video && (video.DecodedFrames ?? 0) < samples)
            {
                problems.Add($"rendition {measured.Name}: {video.DecodedFrames ?? 0} of the first segment's {samples} frames decode");
            }

            return media;
        }
        catch (ConversionFailedException failure)
        {
            problems.Add($"rendition {measured.Name}: its first segment cannot be read back ({failure.Message})");
            return null;
        }
        finally
        {
            File.Delete(joined);
        }
    }

    /// <summary>Every segment starts on a keyframe, at the same instant in every rendition, and stays within the target length.</summary>
    private static void CheckSegments(List<MeasuredRendition> videos, MeasuredRendition? audio, List<string> problems)
    {
        var target = HlsPlan.SegmentLength.TotalSeconds;
        var reference = videos[0];
        foreach (var rendition in videos)
        {
            var segments = rendition.Playlist.Segments;
            if (rendition.Fragments.FindIndex(fragment => !fragment.StartsWithKeyframe) is var notKey and >= 0)
            {
                problems.Add($"rendition {rendition.Name}: segment {notKey} does not start on a keyframe");
            }

            if (rendition.Playlist.TargetDuration > LongestSegmentSeconds)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"rendition {rendition.Name}: its target duration is {rendition.Playlist.TargetDuration} s, not about {target} s"));
            }

            for (var index = 0; index < segments.Count; index++)
            {
                // Every segment but the last about the target: cut at the forced keyframe, or at the next frame after it.
                var length = segments[index].Duration;
                var isLast = index == segments.Count - 1;
                if (length > LongestSegmentSeconds || Math.Round(length) > rendition.Playlist.TargetDuration || (!isLast && length < target / 2))
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"rendition {rendition.Name}: segment {index} lasts {length:F3} s, outside {target / 2}–{LongestSegmentSeconds} s"));
                    break;
                }
            }

            if (rendition == reference)
            {
                continue;
            }

            if (segments.Count != reference.Playlist.Segments.Count)
            {
                problems.Add($"rendition {rendition.Name}: {segments.Count} segments, rendition {reference.Name} {reference.Playlist.Segments.Count}");
                continue;
            }

            for (var index = 0; index < segments.Count; index++)
            {
                var offset = rendition.Fragments[index].Start - reference.Fragments[index].Start;
                if (Math.Abs(offset - (rendition.Fragments[0].Start - reference.Fragments[0].Start)) > AlignmentToleranceSeconds)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"rendition {rendition.Name}: segment {index} starts {offset:F3} s from rendition {reference.Name}'s; renditions are not keyframe-aligned"));
                    break;
                }
            }
        }

        if (audio is not null && Math.Abs(audio.Playlist.Duration - reference.Playlist.Duration) > target)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"the audio rendition plays {audio.Playlist.Duration:F2} s, the video {reference.Playlist.Duration:F2} s"));
        }
    }

    /// <summary>As for the MP4: only a shorter stream is a defect (a cut); estimated input durations run long as often as not.</summary>
    private static void CheckDuration(MeasuredRendition reference, ConversionPlan plan, List<string> problems)
    {
        if (plan.Duration is not { } expected)
        {
            return;
        }

        var actual = TimeSpan.FromSeconds(reference.Playlist.Duration);
        if (expected - actual > OutputVerifier.DurationTolerance(expected))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the stream plays for {actual.TotalSeconds:F2} s instead of {expected.TotalSeconds:F2} s"));
        }
    }

    private static void Fail(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw new ConversionFailedException(OutputVerifier.FailedCheckMessage, string.Join("; ", problems));
        }
    }

    private sealed class MeasuredRendition(string name, MediaPlaylist playlist, Fmp4Track track, List<Fmp4Fragment> fragments)
    {
        public string Name { get; } = name;
        public MediaPlaylist Playlist { get; } = playlist;
        public Fmp4Track Track { get; } = track;
        public List<Fmp4Fragment> Fragments { get; } = fragments;
        public int Channels { get; set; }
        public int SampleRate { get; set; }

        /// <summary>
        /// The highest rate of any one segment, in bits a second: what a player must sustain. A last segment much shorter
        /// than the target is left out unless it is the only one (its init-like overhead over a fraction of a second would overstate it).
        /// </summary>
        public double PeakBitrate => Playlist.Segments.Zip(Fragments)
            .Where((pair, index) => index < Fragments.Count - 1 || Fragments.Count == 1 || pair.First.Duration >= HlsPlan.SegmentLength.TotalSeconds / 2)
            .Max(pair => pair.Second.Bytes * 8 / Math.Max(pair.First.Duration, 0.001));

        public double AverageBitrate => Fragments.Sum(fragment => fragment.Bytes) * 8 / Math.Max(Playlist.Duration, 0.001);

        public double FrameRate => Fragments.Sum(fragment => fragment.Samples) / Math.Max(Fragments.Sum(fragment => fragment.Duration), 0.001);

        public static MeasuredRendition Unreadable(string name) => new(name, new MediaPlaylist(0, null, [], false), new Fmp4Track(1, "", 0, 0), []);
    }
}
