using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Verification;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Tests.Conversion;

/// <summary>
/// The output check reads an MP4's own index instead of starting ffprobe: for every file it reads, it must say what
/// ffprobe says about every field the contract looks at; a file it cannot account for whole, it must leave to ffprobe.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // ffprobe's start counted by a shell script
public sealed class Mp4IndexTests : IDisposable
{
    private static readonly string[] Picture = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2"];
    private static readonly string[] Tone = ["-f", "lavfi", "-i", "sine=duration=2"];
    private static readonly string[] FastStart = ["-movflags", "+faststart"];

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-index-");

    public static TheoryData<string, string[]> FilesTheIndexStates => new()
    {
        { "H.264 High, AAC-LC stereo", [.. Picture, .. Tone, "-c:v", "libx264", "-profile:v", "high", "-c:a", "aac", "-ac", "2", .. FastStart] },
        { "H.264 Main cropped to 318×238, mono AAC at 22.05 kHz",
            [.. Picture, .. Tone, "-vf", "crop=318:238", "-c:v", "libx264", "-profile:v", "main", "-c:a", "aac", "-ac", "1", "-ar", "22050", .. FastStart] },
        { "full range (yuvj420p)", [.. Picture, "-c:v", "libx264", "-pix_fmt", "yuvj420p", .. FastStart] },
        { "4:4:4", [.. Picture, "-c:v", "libx264", "-pix_fmt", "yuv444p", .. FastStart] },
        { "10-bit", [.. Picture, "-c:v", "libx264", "-pix_fmt", "yuv420p10le", .. FastStart] },
        { "HDR (PQ transfer)", [.. Picture, "-c:v", "libx264", "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc", .. FastStart] },
        { "H.264 Constrained Baseline at level 5.2", [.. Picture, "-c:v", "libx264", "-profile:v", "baseline", "-level", "5.2", .. FastStart] },
        { "index at the end", [.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac"] },
        { "48 kHz surround", [.. Picture, "-f", "lavfi", "-i", "sine=duration=2:sample_rate=48000", "-c:v", "libx264", "-c:a", "aac", "-ac", "6", .. FastStart] },
    };

    [Theory]
    [MemberData(nameof(FilesTheIndexStates))]
    public async Task The_index_says_what_ffprobe_says(string file, string[] arguments)
    {
        var path = await MakeAsync(arguments);

        var indexed = Mp4Index.TryRead(path);
        var probed = await Converters.Probe().ProbeAsync(path, CancellationToken.None);

        Assert.True(indexed is not null, $"{file}: the index should state everything");
        AssertSame(probed, indexed);
    }

    [Fact]
    public async Task A_phone_video_turned_by_its_matrix_reads_as_turned()
    {
        var upright = await MakeAsync([.. Picture, "-c:v", "libx264", .. FastStart], "upright.mp4");
        var turned = await MakeAsync(["-i", upright, "-c", "copy", "-metadata:s:v:0", "rotate=90", .. FastStart], "turned.mp4");

        var indexed = Mp4Index.TryRead(turned);
        var probed = await Converters.Probe().ProbeAsync(turned, CancellationToken.None);

        Assert.NotNull(indexed);
        Assert.Equal(90, Assert.Single(probed.VideoStreams).Rotation);
        AssertSame(probed, indexed);
    }

    [Fact]
    public async Task A_stream_copied_from_mpeg_ts_with_its_parameter_sets_repeated_in_the_samples_reads_as_ffprobe_reads_it()
    {
        var ts = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-g", "10", "-c:a", "aac", "-f", "mpegts"], "input.ts");
        var copied = await MakeAsync(["-i", ts, "-c", "copy", .. FastStart], "copied.mp4");
        var input = await Converters.Probe().ProbeAsync(ts, CancellationToken.None);

        // Its AAC configuration, made from the ADTS headers, is two bytes and says nothing of SBR: the input's reading decides.
        Assert.Null(Mp4Index.TryRead(copied));
        var inputAudio = Assert.Single(input.AudioStreams);
        var indexed = Mp4Index.TryRead(copied, copiedAudio: inputAudio);

        Assert.NotNull(indexed);
        AssertSame(await Converters.Probe().ProbeAsync(copied, CancellationToken.None), indexed);
        // Read as something else on the input, the copy is left to ffprobe.
        Assert.Null(Mp4Index.TryRead(copied, copiedAudio: inputAudio with { Profile = "HE-AAC" }));
        Assert.Null(Mp4Index.TryRead(copied, copiedAudio: inputAudio with { Channels = 2 }));
        Assert.Null(Mp4Index.TryRead(copied, copiedAudio: inputAudio with { SampleRate = 48_000 }));

        // The check takes the plan's word for copied audio only: copied, no ffprobe starts; encoded, ffprobe decides.
        var (verifier, starts) = await CountingVerifierAsync();
        await verifier.VerifyAsync(copied, Plan with { Audio = inputAudio, CopyAudio = true }, CancellationToken.None);
        Assert.Equal(0, starts());
        await verifier.VerifyAsync(copied, Plan with { Audio = inputAudio, CopyAudio = false }, CancellationToken.None);
        Assert.Equal(1, starts());
    }

    [Fact]
    public async Task A_subtitle_track_reads_as_a_stream_other_than_video_and_audio()
    {
        var subtitles = Path.Combine(_work.FullName, "subtitles.srt");
        await File.WriteAllTextAsync(subtitles, "1\n00:00:00,000 --> 00:00:01,000\nHi\n\n");
        var path = await MakeAsync([.. Picture, "-i", subtitles, "-map", "0", "-map", "1", "-c:v", "libx264", "-c:s", "mov_text", .. FastStart]);

        var indexed = Mp4Index.TryRead(path);

        Assert.NotNull(indexed);
        Assert.Equal([StreamKind.Video, StreamKind.Other], indexed.Streams.Select(stream => stream.Kind));
        AssertSame(await Converters.Probe().ProbeAsync(path, CancellationToken.None), indexed);
    }

    public static TheoryData<string, string[]> FilesLeftToFFprobe => new()
    {
        // Whether pictures are fields is stated per slice; only a decoder knows.
        { "interlaced-capable H.264", [.. Picture, "-c:v", "libx264", "-flags", "+ildct+ilme", .. FastStart] },
        { "MPEG-4 Part 2 video", [.. Picture, "-c:v", "mpeg4", .. FastStart] },
        // Its track header is sized for display (427×240), from which FFmpeg derives a pixel shape of its own.
        { "4:3 pixels", [.. Picture, "-vf", "setsar=4/3", "-c:v", "libx264", .. FastStart] },
        { "MP3 audio", [.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "libmp3lame", .. FastStart] },
        { "fragmented MP4", [.. Picture, "-c:v", "libx264", "-movflags", "frag_keyframe+empty_moov"] },
    };

    [Theory]
    [MemberData(nameof(FilesLeftToFFprobe))]
    public async Task A_file_the_index_cannot_account_for_whole_is_left_to_ffprobe(string file, string[] arguments)
    {
        var path = await MakeAsync(arguments);

        Assert.True(Mp4Index.TryRead(path) is null, $"{file}: the index should not answer");
    }

    /// <summary>
    /// Files FFmpeg muxes agree with themselves; these are changed afterwards, byte for byte, in boxes whose every
    /// value FFmpeg applies (a size it crops to, a matrix it turns by, a box that marks fields): the index must not
    /// answer for them, since what it reads would no longer be what ffprobe reports.
    /// </summary>
    public static TheoryData<string> Patches => new()
    {
        "track header wider than the picture", "movie matrix turned a quarter", "track matrix turned 89.6°", "sample entry shorter than the picture",
        "an unknown box in the sample entry", "full range in the colour box", "first video sample zeroed", "AAC without SBR signalling",
        "AAC with SBR signalled", "a pixel shape box in the sample table", "a cover picture among the tags", "a palette in the sample entry",
        "an edit list that plays nothing of the video", "a media header of version 2",
    };

    [Theory]
    [MemberData(nameof(Patches))]
    public async Task A_file_whose_boxes_disagree_with_its_stream_is_left_to_ffprobe(string patch)
    {
        var path = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", .. FastStart]);
        Assert.NotNull(Mp4Index.TryRead(path)); // as FFmpeg wrote it

        var file = await File.ReadAllBytesAsync(path);
        var moov = FindMoov(path, file);
        var tracks = Mp4Boxes.Children(file, moov).Where(box => box.Type == "trak").ToList();
        var video = tracks.First(trak => Handler(file, trak) == "vide");
        var audio = tracks.First(trak => Handler(file, trak) == "soun");
        var tkhd = Mp4Boxes.Only(file, video, "tkhd");
        var stbl = Descend(file, video, "mdia", "minf", "stbl");
        var avc1 = Mp4Boxes.At(file, Mp4Boxes.Only(file, stbl, "stsd").Body + 8, stbl.End)!;
        var entryBoxes = new Mp4Box("avc1", avc1.Body + 78, avc1.End);
        var mp4a = Mp4Boxes.At(file, Mp4Boxes.Only(file, Descend(file, audio, "mdia", "minf", "stbl"), "stsd").Body + 8, audio.End)!;
        var esds = Mp4Boxes.Child(file, mp4a.Body + 28, mp4a.End, "esds")!;
        switch (patch)
        {
            case "a pixel shape box in the sample table":
                "pasp"u8.CopyTo(file.AsSpan(Mp4Boxes.Only(file, stbl, "stss").Body - 4));
                break;
            case "a cover picture among the tags":
                var meta = Mp4Boxes.Only(file, Mp4Boxes.Only(file, moov, "udta"), "meta");
                var ilst = Mp4Boxes.Child(file, meta.Body + 4, meta.End, "ilst")!;
                "covr"u8.CopyTo(file.AsSpan(Mp4Boxes.At(file, ilst.Body, ilst.End)!.Body - 4));
                break;
            case "a palette in the sample entry":
                BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(avc1.Body + 74), 8);
                BinaryPrimitives.WriteInt16BigEndian(file.AsSpan(avc1.Body + 76), 0);
                break;
            case "an edit list that plays nothing of the video":
                var elst = Descend(file, video, "edts", "elst");
                BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(elst.Body + 8 + 4), -1); // the (last) edit's media time: an empty edit
                break;
            case "a media header of version 2":
                file[Descend(file, video, "mdia", "mdhd").Body] = 2;
                break;
            case "track header wider than the picture":
                BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(tkhd.Body + 40 + 36), 427u << 16);
                break;
            case "movie matrix turned a quarter":
                WriteMatrix(file, Mp4Boxes.Only(file, moov, "mvhd").Body + 36, 0, -0x10000, 0x10000, 0);
                break;
            case "track matrix turned 89.6°":
                WriteMatrix(file, tkhd.Body + 40, 458, -65534, 65534, 458);
                break;
            case "sample entry shorter than the picture":
                BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(avc1.Body + 26), 228);
                break;
            case "an unknown box in the sample entry":
                "fiel"u8.CopyTo(file.AsSpan(Mp4Boxes.Only(file, entryBoxes, "btrt").Body - 4));
                break;
            case "full range in the colour box":
                file[Mp4Boxes.Only(file, entryBoxes, "colr").Body + 10] |= 0x80;
                break;
            case "first video sample zeroed":
                var firstChunk = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(Mp4Boxes.Only(file, stbl, "stco").Body + 8));
                file.AsSpan((int)firstChunk, 16).Clear();
                break;
            case "AAC without SBR signalling":
            case "AAC with SBR signalled":
                // FFmpeg's encoder ends its AudioSpecificConfig with 0x2B7 (sync extension), object type 5 (SBR) and the SBR flag: 56 E5 00.
                var signalled = file.AsSpan(esds.Body, esds.Length).IndexOf((ReadOnlySpan<byte>)[0x56, 0xE5, 0x00]);
                Assert.True(signalled > 0, "FFmpeg's AAC configuration signals no SBR explicitly");
                if (patch == "AAC with SBR signalled")
                {
                    file[esds.Body + signalled + 2] = 0x80;
                }
                else
                {
                    file.AsSpan(esds.Body + signalled, 3).Clear();
                }

                break;
        }

        var patched = Path.Combine(_work.FullName, "patched.mp4");
        await File.WriteAllBytesAsync(patched, file);

        Assert.Null(Mp4Index.TryRead(patched));
        Assert.Null(Mp4Index.TryReadUpload(patched));
    }

    [Fact]
    public async Task A_decoder_configuration_with_a_second_sps_or_a_pps_of_another_is_refused()
    {
        var path = await MakeAsync([.. Picture, "-c:v", "libx264", .. FastStart]);
        var file = await File.ReadAllBytesAsync(path);
        var at = file.AsSpan().IndexOf("avcC"u8);
        var avcC = file.AsSpan(at + 4, (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at - 4)) - 8).ToArray();
        var configuration = AvcDecoderConfiguration.Read(avcC);
        var sps = configuration.SpsBytes;
        var pps = configuration.PpsBytes[0];
        byte[] Build(byte spsCount, IEnumerable<byte[]> sequenceSets, IEnumerable<byte[]> pictureSets) =>
        [
            .. avcC[..5], (byte)(0xE0 | spsCount), .. sequenceSets.SelectMany(set => (byte[])[(byte)(set.Length >> 8), (byte)set.Length, .. set]),
            (byte)pictureSets.Count(), .. pictureSets.SelectMany(set => (byte[])[(byte)(set.Length >> 8), (byte)set.Length, .. set]),
        ];
        // The same PPS, its sps id changed from 0 to 1 (ue(v) 0 is the bit 1, 1 is 010): the second bit becomes three
        // (the first is pps_id 0), the rest follows unchanged, and the stop bit's padding is made again. Valid but for its SPS.
        Assert.DoesNotContain(pps.Index().Skip(2), at => at.Item == 3 && pps[at.Index - 1] == 0 && pps[at.Index - 2] == 0); // no emulation prevention to keep
        var bits = string.Concat(pps[1..].Select(value => Convert.ToString(value, 2).PadLeft(8, '0'))).TrimEnd('0');
        bits = (bits[..1] + "010" + bits[2..]).PadRight((bits.Length + 2 + 7) / 8 * 8, '0');
        byte[] otherPps = [pps[0], .. Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2))];
        Assert.Equal((0, 1), H264PictureParameters.Read(otherPps, configuration.Sps));

        Assert.Equal(configuration.Sps, AvcDecoderConfiguration.Read(Build(1, [sps], [pps])).Sps);
        Assert.Throws<InvalidDataException>(() => AvcDecoderConfiguration.Read(Build(2, [sps, sps], [pps])));
        Assert.Throws<InvalidDataException>(() => AvcDecoderConfiguration.Read(Build(1, [sps], [])));
        Assert.Equal(0b1100_0000, pps[1] & 0b1100_0000); // pps_id 0 and sps_id 0 start the original
        var refused = Assert.Throws<InvalidDataException>(() => AvcDecoderConfiguration.Read(Build(1, [sps], [otherPps])));
        Assert.Contains("another sequence parameter set", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_or_foreign_file_is_left_to_ffprobe()
    {
        var whole = await File.ReadAllBytesAsync(await MakeAsync([.. Picture, "-c:v", "libx264", .. FastStart]));
        var cut = Path.Combine(_work.FullName, "cut.mp4");
        await File.WriteAllBytesAsync(cut, whole[..200]); // inside the moov
        var text = Path.Combine(_work.FullName, "text.mp4");
        await File.WriteAllTextAsync(text, "not a video at all, but long enough to hold box headers");
        var empty = Path.Combine(_work.FullName, "empty.mp4");
        await File.WriteAllBytesAsync(empty, []);

        Assert.Null(Mp4Index.TryRead(cut));
        Assert.Null(Mp4Index.TryRead(text));
        Assert.Null(Mp4Index.TryRead(empty));
    }

    [Fact]
    public async Task A_good_output_passes_its_check_without_starting_ffprobe()
    {
        var path = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac", .. FastStart]);
        var (verifier, starts) = await CountingVerifierAsync();

        var output = await verifier.VerifyAsync(path, Plan, CancellationToken.None);

        Assert.InRange(output.Duration!.Value.TotalSeconds, 1.9, 2.1);
        Assert.Equal(0, starts());
    }

    [Fact]
    public async Task What_the_index_finds_wrong_ffprobe_reads_again_and_decides()
    {
        var path = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac", "-t", "1", .. FastStart]);
        var (verifier, starts) = await CountingVerifierAsync();

        var failure = await Assert.ThrowsAsync<ConversionFailedException>(
            () => verifier.VerifyAsync(path, Plan, CancellationToken.None));

        Assert.Equal("it plays for 1.00 s instead of 2.00 s", failure.Diagnostics);
        Assert.Equal(1, starts());
    }

    [Fact]
    public async Task An_output_the_index_cannot_account_for_is_checked_by_ffprobe()
    {
        // Coded as fields: the index cannot tell (its SPS allows fields), ffprobe decodes and finds them.
        var path = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-flags", "+ildct+ilme", "-c:a", "aac", .. FastStart]);
        var (verifier, starts) = await CountingVerifierAsync();

        var failure = await Assert.ThrowsAsync<ConversionFailedException>(
            () => verifier.VerifyAsync(path, Plan, CancellationToken.None));

        Assert.Matches("^its video is h264 High yuv420p 320×240 (tt|bb|tb|bt), not progressive", failure.Diagnostics);
        Assert.Equal(1, starts());
    }

    private static readonly string[] Tone48k = ["-f", "lavfi", "-i", "sine=duration=2:sample_rate=48000"];

    /// <summary>Stands in arguments for a 2 s H.264 and AAC file made first, for a file made from another.</summary>
    private const string Made = "{made}";

    /// <summary>Browser-safe uploads as tools built on FFmpeg write them: each is a remux.</summary>
    public static TheoryData<string, string[]> RemuxableUploads => new()
    {
        { "30 fps with B-frames, AAC at 48 kHz, index at the end", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=2", .. Tone48k,
            "-c:v", "libx264", "-profile:v", "high", "-c:a", "aac"] },
        { "29.97 fps without B-frames, Main", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30000/1001:duration=2", .. Tone,
            "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-c:a", "aac", .. FastStart] },
        { "60 fps, mono AAC at 22.05 kHz", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=60:duration=2", .. Tone,
            "-c:v", "libx264", "-c:a", "aac", "-ac", "1", "-ar", "22050", .. FastStart] },
        { "audio starting half a second late", [.. Picture, "-itsoffset", "0.5", .. Tone48k, "-c:v", "libx264", "-c:a", "aac"] },
        // Copied, so the delay stays a delay (an encoder would fill it with the first picture).
        { "video starting 0.3 s late", ["-itsoffset", "0.3", "-i", Made, "-i", Made, "-map", "0:v", "-map", "1:a", "-c", "copy", .. FastStart] },
        { "video alone, starting 0.3 s late", ["-itsoffset", "0.3", "-i", Made, "-map", "0:v", "-c", "copy", .. FastStart] },
        { "two audio tracks, the second the default", [.. Picture, .. Tone, .. Tone48k, "-map", "0:v", "-map", "1:a", "-map", "2:a",
            "-disposition:a:0", "0", "-disposition:a:1", "default", "-c:v", "libx264", "-c:a", "aac", .. FastStart] },
        // The output is as long as the streams it keeps, not as the file.
        { "a second audio track, dropped, twice as long", [.. Picture, .. Tone, "-f", "lavfi", "-i", "sine=duration=4", "-map", "0:v", "-map", "1:a",
            "-map", "2:a", "-disposition:a:1", "0", "-c:v", "libx264", "-c:a", "aac", .. FastStart] },
        { "no audio", [.. Picture, "-c:v", "libx264", .. FastStart] },
    };

    [Theory]
    [MemberData(nameof(RemuxableUploads))]
    public async Task An_upload_FFmpeg_wrote_is_planned_from_its_index_as_from_ffprobe(string upload, string[] arguments)
    {
        if (arguments.Contains(Made))
        {
            var made = await MakeAsync([.. Picture, .. Tone48k, "-c:v", "libx264", "-c:a", "aac"], "made.mp4");
            arguments = [.. arguments.Select(argument => argument == Made ? made : argument)];
        }

        var path = await MakeAsync(arguments);

        var indexed = Mp4Index.TryReadUpload(path);
        var probed = await Converters.Probe().ProbeAsync(path, CancellationToken.None);

        Assert.True(indexed is not null, $"{upload}: the index should state everything");
        AssertSame(probed, indexed);
        AssertSameTiming(probed, indexed, upload);
        foreach (var (expected, actual) in probed.Streams.Zip(indexed.Streams))
        {
            // Every video here runs at a constant rate, which ffprobe states as its average and base rate alike.
            Assert.Equal(Rounded(expected.AverageFrameRate), Rounded(actual.AverageFrameRate));
            Assert.Equal(Rounded(expected.BaseFrameRate), Rounded(actual.BaseFrameRate));
        }

        AssertSamePlan(path, probed, upload);
    }

    private static double? Rounded(double? rate) => rate is { } value ? Math.Round(value, 3) : null;

    /// <summary>
    /// FFmpeg-written uploads altered at random in their index, byte by byte: where the index still answers, what it plans
    /// is what ffprobe's reading plans. (Most alterations make it refuse; those it reads are in fields that change nothing,
    /// or change ffprobe's reading the same way.)
    /// </summary>
    [Fact]
    public async Task An_altered_upload_the_index_still_reads_is_planned_as_ffprobe_plans_it()
    {
        var originalPath = await MakeAsync([.. Picture, "-itsoffset", "0.2", .. Tone48k, "-c:v", "libx264", "-c:a", "aac", .. FastStart], "original.mp4");
        var original = await File.ReadAllBytesAsync(originalPath);
        var moov = FindMoov(originalPath, original);
        var random = new Random(20261202);
        var (read, planned) = (0, 0);
        for (var mutation = 0; mutation < 150; mutation++)
        {
            var file = original.ToArray();
            var at = moov.Body + random.Next(moov.Length);
            file[at] ^= (byte)(1 << random.Next(8));
            var path = Path.Combine(_work.FullName, $"altered-{mutation}.mp4");
            await File.WriteAllBytesAsync(path, file);
            if (Mp4Index.TryReadUpload(path) is not { } indexed)
            {
                continue;
            }

            read++;
            MediaInfo probed;
            try
            {
                probed = await Converters.Probe().ProbeAsync(path, CancellationToken.None);
            }
            catch (ConversionFailedException failure)
            {
                Assert.Fail($"byte {at} altered: the index reads a file ffprobe refuses ({failure.Message})");
                return;
            }

            AssertSame(probed, indexed);
            AssertSameTiming(probed, indexed, $"byte {at} altered");
            if (IndexedRemux.TryPlan(path, Converters.Options(), outputs: null) is not null)
            {
                planned++;
                AssertSamePlan(path, probed, $"byte {at} altered");
            }
        }

        // Not vacuous: some alterations (times of creation, a track's volume, …) leave a file the index reads and plans.
        Assert.True(planned > 0, $"of 150 alterations the index read {read} and planned {planned}");
    }

    [Fact]
    public async Task An_upload_with_a_track_neither_video_nor_sound_to_its_handler_is_left_to_ffprobe()
    {
        // FFmpeg tells a stream's kind by its sample entry: with its handler renamed, the video is still video to ffprobe.
        var path = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac", .. FastStart]);
        Assert.NotNull(Mp4Index.TryReadUpload(path)); // as FFmpeg wrote it
        var file = await File.ReadAllBytesAsync(path);
        var video = Mp4Boxes.Children(file, FindMoov(path, file)).First(trak => trak.Type == "trak" && Handler(file, trak) == "vide");
        "zzzz"u8.CopyTo(file.AsSpan(Mp4Boxes.Only(file, Mp4Boxes.Only(file, video, "mdia"), "hdlr").Body + 8));
        var renamed = Path.Combine(_work.FullName, "renamed.mp4");
        await File.WriteAllBytesAsync(renamed, file);

        Assert.Single((await Converters.Probe().ProbeAsync(renamed, CancellationToken.None)).VideoStreams);
        Assert.Null(Mp4Index.TryReadUpload(renamed));
        Assert.Equal(StreamKind.Other, Mp4Index.TryRead(renamed)!.Streams[0].Kind); // an output's check fails such a track
    }

    /// <summary>
    /// Timings FFmpeg's muxer never writes, whose reading by its demuxer the index does not model: left to ffprobe.
    /// (Made by hand: no single altered bit makes them.)
    /// </summary>
    [Theory]
    [InlineData("audio both delayed and trimmed of its priming")]
    [InlineData("video media and edit twice as long as its samples")]
    public async Task An_upload_timed_otherwise_than_FFmpeg_writes_is_left_to_ffprobe(string timing)
    {
        var path = await MakeAsync([.. Picture, "-itsoffset", "0.2", .. Tone48k, "-c:v", "libx264", "-c:a", "aac", .. FastStart]);
        Assert.NotNull(Mp4Index.TryReadUpload(path)); // as FFmpeg wrote it: the audio delayed, then played from its start
        var file = await File.ReadAllBytesAsync(path);
        var tracks = Mp4Boxes.Children(file, FindMoov(path, file)).Where(box => box.Type == "trak").ToList();
        if (timing == "audio both delayed and trimmed of its priming")
        {
            var audio = tracks.First(trak => Handler(file, trak) == "soun");
            var elst = Descend(file, audio, "edts", "elst");
            var mdhd = Descend(file, audio, "mdia", "mdhd");
            // The second edit (after version and flags, count, the first edit): 1,024 samples in, lasting that much less.
            var media = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(mdhd.Body + 16));
            var timescale = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(mdhd.Body + 12));
            BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(elst.Body + 8 + 12), (uint)Math.Round((media - 1024) * 1000.0 / timescale));
            BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(elst.Body + 8 + 12 + 4), 1024);
        }
        else
        {
            var video = tracks.First(trak => Handler(file, trak) == "vide");
            var mdhd = Descend(file, video, "mdia", "mdhd");
            var elst = Descend(file, video, "edts", "elst");
            BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(mdhd.Body + 16), 2 * BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(mdhd.Body + 16)));
            BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(elst.Body + 8), 2 * BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(elst.Body + 8)));
        }

        var retimed = Path.Combine(_work.FullName, "retimed.mp4");
        await File.WriteAllBytesAsync(retimed, file);

        await Converters.Probe().ProbeAsync(retimed, CancellationToken.None); // a file ffprobe reads
        Assert.Null(Mp4Index.TryReadUpload(retimed));
    }

    [Fact]
    public async Task An_upload_whose_reordered_frames_have_no_edit_list_is_left_to_ffprobe()
    {
        // Without an edit list, when the first reordered frame is shown is worked out from the samples.
        var path = await MakeAsync([.. Picture, "-c:v", "libx264", "-bf", "2", "-use_editlist", "0", .. FastStart]);

        Assert.NotNull(Mp4Index.TryRead(path)); // an output's check needs no start
        Assert.Null(Mp4Index.TryReadUpload(path));
    }

    [Fact]
    public async Task A_remux_planned_from_the_index_that_fails_is_read_by_ffprobe_and_transcoded()
    {
        var path = await MakeAsync([.. Picture, .. Tone48k, "-c:v", "libx264", "-c:a", "aac", .. FastStart]);
        var (options, starts) = await CountingFFprobeAsync();
        // The first FFmpeg run fails as a file FFmpeg cannot read would; the runs after it are FFmpeg's own.
        var runs = Path.Combine(_work.FullName, "ffmpeg-runs");
        var failingFirst = Path.Combine(_work.FullName, "failing-first-ffmpeg");
        await File.WriteAllTextAsync(failingFirst,
            $"#!/bin/sh\necho run >> '{runs}'\nif [ \"$(wc -l < '{runs}')\" -eq 1 ]; then echo 'Invalid data found when processing input' >&2; exit 1; fi\nexec ffmpeg \"$@\"\n");
        File.SetUnixFileMode(failingFirst, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        options.FFmpegPath = failingFirst;

        var (summary, readings) = await InputReadingsAsync(() => Converters.Create(options).ConvertAsync(
            path, Path.Combine(_work.FullName, "converted.mp4"), _ => Task.CompletedTask, CancellationToken.None));

        // ffprobe's reading plans the same remux, which would fail the same way: the job is transcoded at once, as any
        // failed copy is, from ffprobe's reading (its output checked from its index).
        Assert.Equal("transcode", summary.Method);
        Assert.Equal(2, File.ReadAllLines(runs).Length);
        Assert.Equal(1, starts());
        Assert.Equal(["index", "ffprobe"], readings);
    }

    /// <summary>
    /// What <paramref name="convert"/> returned, and how each of its "probe input" spans read the input (the
    /// videoconversion.input.probe attribute): its own spans only, by trace, as other tests convert meanwhile.
    /// </summary>
    private static async Task<(T Result, List<string?> Readings)> InputReadingsAsync<T>(Func<Task<T>> convert)
    {
        using var source = new ActivitySource("VideoConversion.Tests.InputReadings");
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = listened => listened == source || listened.Name == WorkerActivities.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        T result;
        ActivityTraceId trace;
        using (var test = source.StartActivity("test"))
        {
            trace = test!.TraceId;
            result = await convert();
        }

        return (result, [.. stopped.Where(span => span.TraceId == trace && span.OperationName == "probe input")
            .OrderBy(span => span.StartTimeUtc).Select(span => span.GetTagItem(TelemetryNames.InputProbe) as string)]);
    }

    /// <summary>Each stream's disposition, start and length, as ffprobe states them.</summary>
    private static void AssertSameTiming(MediaInfo probed, MediaInfo indexed, string file)
    {
        foreach (var (expected, actual) in probed.Streams.Zip(indexed.Streams))
        {
            Assert.Equal((expected.Index, expected.IsDefault, expected.IsAttachedPicture, Math.Round(expected.StartTime.TotalMilliseconds)),
                (actual.Index, actual.IsDefault, actual.IsAttachedPicture, Math.Round(actual.StartTime.TotalMilliseconds)));
            Assert.True(Math.Abs((expected.Duration!.Value - actual.Duration!.Value).TotalMilliseconds) < 1,
                $"{file}, stream {actual.Index}: lasts {actual.Duration} by the index, {expected.Duration} by ffprobe");
        }
    }

    /// <summary>The plan from the index (a remux) is the plan from ffprobe's reading, in everything FFmpeg's run and its check read.</summary>
    private static void AssertSamePlan(string path, MediaInfo probed, string file)
    {
        var options = Converters.Options();
        var fromIndex = IndexedRemux.TryPlan(path, options, outputs: null);
        var fromFFprobe = ConversionPlanner.Plan(probed, options);
        Assert.True(fromIndex is not null, $"{file}: a remux should be planned from the index");
        Assert.True(fromFFprobe.IsRemux, $"{file}: ffprobe's reading plans a {fromFFprobe.Method}");
        var plan = fromIndex.Value.Plan;
        Assert.Equal(
            (fromFFprobe.Video.Index, fromFFprobe.Audio?.Index, fromFFprobe.Method, fromFFprobe.DisplayWidth, fromFFprobe.DisplayHeight,
                fromFFprobe.ScalesDown, fromFFprobe.FrameRateCap, fromFFprobe.Deinterlace, fromFFprobe.Outputs),
            (plan.Video.Index, plan.Audio?.Index, plan.Method, plan.DisplayWidth, plan.DisplayHeight,
                plan.ScalesDown, plan.FrameRateCap, plan.Deinterlace, plan.Outputs));
        // The kept streams' span: edits count in the movie's milliseconds, ffprobe counts audio in samples.
        Assert.True(Math.Abs((fromFFprobe.Duration!.Value - plan.Duration!.Value).TotalMilliseconds) < 5,
            $"{file}: plays {plan.Duration} by the index, {fromFFprobe.Duration} by ffprobe");
    }

    /// <summary>The moov box of <paramref name="file"/>, the bytes of the file at <paramref name="path"/>.</summary>
    private static Mp4Box FindMoov(string path, byte[] file)
    {
        using var stream = File.OpenRead(path);
        return Mp4Boxes.TopLevel(stream).Where(box => box.Type == "moov").Select(box => Mp4Boxes.At(file, (int)box.Offset, file.Length)!).Single();
    }

    /// <summary>Uploads the index states whole, whose plan is more than a copy: ffprobe's reading plans them.</summary>
    public static TheoryData<string, string[], string[]?, int> UploadsPlannedFromFFprobe => new()
    {
        { "4:4:4 video (a transcode)", [.. Picture, .. Tone, "-c:v", "libx264", "-pix_fmt", "yuv444p", "-c:a", "aac", .. FastStart], null, 0 },
        { "surround audio (an audio transcode)", [.. Picture, .. Tone48k, "-c:v", "libx264", "-c:a", "aac", "-ac", "6", .. FastStart], null, 0 },
        { "a poster asked for (a decode)", [.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac", .. FastStart], ["mp4", "poster"], 0 },
        { "longer than allowed (a refusal)", [.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac", .. FastStart], null, 1 },
    };

    [Theory]
    [MemberData(nameof(UploadsPlannedFromFFprobe))]
    public async Task An_upload_that_needs_more_than_a_copy_is_planned_from_ffprobe(string upload, string[] arguments, string[]? outputs, int maxSeconds)
    {
        var path = await MakeAsync(arguments);
        var (options, starts) = await CountingFFprobeAsync();
        if (maxSeconds > 0)
        {
            options.MaxDuration = TimeSpan.FromSeconds(maxSeconds);
        }

        Assert.True(Mp4Index.TryReadUpload(path) is not null, $"{upload}: the index should state everything");
        Assert.Null(IndexedRemux.TryPlan(path, options, outputs));

        Task<ConversionSummary> Convert() => Converters.Create(options).ConvertAsync(
            path, Path.Combine(_work.FullName, "converted.mp4"), _ => Task.CompletedTask, CancellationToken.None, outputs);
        if (maxSeconds > 0)
        {
            var refused = await Assert.ThrowsAsync<ConversionFailedException>(Convert);
            Assert.StartsWith("The video is 0:02 long", refused.Message, StringComparison.Ordinal);
            Assert.Equal(1, starts()); // ffprobe's reading refused it
        }
        else
        {
            var (summary, readings) = await InputReadingsAsync(Convert);
            Assert.False(summary.Plan.IsRemux && !summary.Plan.Outputs.DecodesVideo, $"{upload}: planned as {summary.Method}");
            Assert.True(starts() >= 1, $"{upload}: ffprobe should have read the input");
            Assert.Equal(["ffprobe"], readings);
        }
    }

    [Fact]
    public async Task A_remux_of_an_upload_FFmpeg_wrote_starts_no_ffprobe()
    {
        var path = await MakeAsync([.. Picture, .. Tone48k, "-c:v", "libx264", "-c:a", "aac"]);
        var (options, starts) = await CountingFFprobeAsync();
        var output = Path.Combine(_work.FullName, "converted.mp4");

        var (summary, readings) = await InputReadingsAsync(
            () => Converters.Create(options).ConvertAsync(path, output, _ => Task.CompletedTask, CancellationToken.None));

        Assert.Equal("remux", summary.Method);
        Assert.Equal(0, starts()); // neither the input's reading nor the output's check
        Assert.Equal(["index"], readings);
        var converted = await Converters.Probe().ProbeAsync(output, CancellationToken.None);
        Assert.Equal(("h264", "aac"), (converted.VideoStreams.Single().CodecName, converted.AudioStreams.Single().CodecName));
        Assert.InRange(converted.Duration!.Value.TotalSeconds, 1.9, 2.1);
    }

    /// <summary>The output check, its ffprobe the real one behind a script that counts its starts.</summary>
    private async Task<(OutputVerifier Verifier, Func<int> FFprobeStarts)> CountingVerifierAsync()
    {
        var (options, starts) = await CountingFFprobeAsync();
        return (Converters.Verifier(options), starts);
    }

    /// <summary>Production settings, but ffprobe is the real one behind a script that counts its starts.</summary>
    private async Task<(ConversionOptions Options, Func<int> FFprobeStarts)> CountingFFprobeAsync()
    {
        var script = Path.Combine(_work.FullName, "counted-ffprobe");
        var count = Path.Combine(_work.FullName, "ffprobe-starts");
        File.Delete(count);
        await File.WriteAllTextAsync(script, $"#!/bin/sh\necho started >> '{count}'\nexec ffprobe \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return (Converters.Options(options => options.FFprobePath = script), () => File.Exists(count) ? File.ReadAllLines(count).Length : 0);
    }

    private static readonly ConversionPlan Plan = new()
    {
        Video = new StreamInfo { Index = 0, Kind = StreamKind.Video },
        Audio = new StreamInfo { Index = 1, Kind = StreamKind.Audio },
        DisplayWidth = 320,
        DisplayHeight = 240,
        Duration = TimeSpan.FromSeconds(2),
    };

    /// <summary>Every field the output contract and its limits read, as ffprobe states it.</summary>
    private static void AssertSame(MediaInfo probed, MediaInfo indexed)
    {
        Assert.Equal(probed.FormatName, indexed.FormatName);
        Assert.True(probed.Duration is { } duration && indexed.Duration is { } read && Math.Abs((duration - read).TotalMilliseconds) < 1,
            $"duration: ffprobe {probed.Duration}, index {indexed.Duration}");
        Assert.Equal(probed.Streams.Count, indexed.Streams.Count);
        foreach (var (expected, actual) in probed.Streams.Zip(indexed.Streams))
        {
            // Streams other than video and audio fail the contract whatever their codec, so the index does not name it.
            Assert.Equal(expected.Kind == StreamKind.Other ? null : expected.CodecName, actual.CodecName);
            Assert.Equal(
                (expected.Kind, expected.Profile, expected.Level, expected.PixelFormat, expected.Width, expected.Height,
                    Math.Round(expected.SampleAspectRatio, 4), expected.FieldOrder, expected.ColorTransfer, expected.Rotation, expected.FrameCount,
                    expected.Channels, expected.SampleRate),
                (actual.Kind, actual.Profile, actual.Level, actual.PixelFormat, actual.Width, actual.Height,
                    Math.Round(actual.SampleAspectRatio, 4), actual.FieldOrder, actual.ColorTransfer, actual.Rotation, actual.FrameCount,
                    actual.Channels, actual.SampleRate));
        }
    }

    private static string Handler(byte[] file, Mp4Box trak) =>
        System.Text.Encoding.ASCII.GetString(file, Mp4Boxes.Only(file, Mp4Boxes.Only(file, trak, "mdia"), "hdlr").Body + 8, 4);

    private static Mp4Box Descend(byte[] file, Mp4Box from, params string[] types) =>
        types.Aggregate(from, (box, type) => Mp4Boxes.Only(file, box, type));

    /// <summary>A matrix's a, b, c, d (16.16); u, v, x, y 0; w 1 (2.30).</summary>
    private static void WriteMatrix(byte[] file, int at, int a, int b, int c, int d)
    {
        int[] matrix = [a, b, 0, c, d, 0, 0, 0, 0x4000_0000];
        for (var i = 0; i < matrix.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(at + i * 4), matrix[i]);
        }
    }

    private async Task<string> MakeAsync(string[] arguments, string name = "output.mp4")
    {
        var path = Path.Combine(_work.FullName, name);
        await TestMedia.FFmpegAsync(["-y", .. arguments, path]);
        return path;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
