namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// What an H.264 sequence parameter set (ITU-T H.264, 7.3.2.1.1) says about every picture of a stream: profile and
/// level, chroma format and bit depth, the cropped picture size, whether pictures may be fields, and from its VUI
/// (Annex E) the pixel aspect ratio, range and transfer function. Decoders read the same fields, so this is what
/// ffprobe reports without decoding a frame.
/// </summary>
/// <param name="Id">seq_parameter_set_id: the id picture parameter sets refer to it by.</param>
/// <param name="ConstraintFlags">constraint_set0_flag in the most significant bit, as the SPS's second byte holds them.</param>
/// <param name="FrameMbsOnly">Every picture is a frame: the stream cannot be interlaced.</param>
/// <param name="SampleAspectRatio">Width over height of a pixel; null when the SPS does not say.</param>
/// <param name="TransferCharacteristics">The VUI's transfer_characteristics (1 BT.709, 16 PQ, 18 HLG); null when absent.</param>
public sealed record H264SequenceParameters(
    int Id,
    int ProfileIdc,
    int ConstraintFlags,
    int LevelIdc,
    int ChromaFormatIdc,
    int BitDepthLuma,
    int BitDepthChroma,
    int Width,
    int Height,
    bool FrameMbsOnly,
    double? SampleAspectRatio,
    bool FullRange,
    int? TransferCharacteristics)
{
    /// <summary>Profiles whose SPS carries chroma format, bit depths and scaling matrices (7.3.2.1.1).</summary>
    private static readonly int[] HighProfiles = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

    /// <summary>Table E-1: aspect_ratio_idc 1 to 16.</summary>
    private static readonly (int Width, int Height)[] AspectRatios =
    [
        (1, 1), (12, 11), (10, 11), (16, 11), (40, 33), (24, 11), (20, 11), (32, 11),
        (80, 33), (18, 11), (15, 11), (64, 33), (160, 99), (4, 3), (3, 2), (2, 1),
    ];

    /// <summary>The profile as FFmpeg names it ("High", "Main", "Constrained Baseline", …).</summary>
    public string ProfileName => ProfileIdc switch
    {
        66 => (ConstraintFlags & 0x40) != 0 ? "Constrained Baseline" : "Baseline",
        77 => "Main",
        88 => "Extended",
        100 => "High",
        110 => (ConstraintFlags & 0x10) != 0 ? "High 10 Intra" : "High 10",
        122 => (ConstraintFlags & 0x10) != 0 ? "High 4:2:2 Intra" : "High 4:2:2",
        244 => (ConstraintFlags & 0x10) != 0 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive",
        _ => $"profile {ProfileIdc}",
    };

    /// <summary>The decoded pictures' pixel format as FFmpeg names it; null for the rarer layouts.</summary>
    public string? PixelFormatName => (ChromaFormatIdc, BitDepthLuma, BitDepthChroma) switch
    {
        (1, 8, 8) => FullRange ? "yuvj420p" : "yuv420p",
        (2, 8, 8) => FullRange ? "yuvj422p" : "yuv422p",
        (3, 8, 8) => FullRange ? "yuvj444p" : "yuv444p",
        (0, 8, _) => "gray",
        (1, 10, 10) => "yuv420p10le",
        _ => null,
    };

    /// <summary>Reads an SPS NAL unit, header byte included.</summary>
    /// <exception cref="InvalidDataException">Not an SPS, or one a decoder (FFmpeg's h264_ps.c) refuses: out-of-range fields.</exception>
    public static H264SequenceParameters FromNalUnit(ReadOnlySpan<byte> nal)
    {
        if (nal.Length < 4 || (nal[0] & 0x1F) != 7)
        {
            throw new InvalidDataException("not a sequence parameter set");
        }

        var bits = new BitReader(H264Rbsp.Payload(nal[1..]));
        var profile = (int)bits.Bits(8);
        var constraints = (int)bits.Bits(8);
        var level = (int)bits.Bits(8);
        var id = bits.UnsignedExpGolomb(); // seq_parameter_set_id
        Require(id <= 31, "seq_parameter_set_id");

        var chromaFormat = 1;
        var lumaDepth = 8;
        var chromaDepth = 8;
        if (HighProfiles.Contains(profile))
        {
            chromaFormat = (int)bits.UnsignedExpGolomb();
            Require(chromaFormat <= 3, "chroma_format_idc");
            if (chromaFormat == 3)
            {
                bits.Bit(); // separate_colour_plane_flag
            }

            lumaDepth = 8 + (int)bits.UnsignedExpGolomb();
            chromaDepth = 8 + (int)bits.UnsignedExpGolomb();
            Require(lumaDepth == chromaDepth && lumaDepth <= 14, "bit_depth");
            bits.Bit(); // qpprime_y_zero_transform_bypass_flag
            if (bits.Bit()) // seq_scaling_matrix_present_flag
            {
                for (var list = 0; list < (chromaFormat == 3 ? 12 : 8); list++)
                {
                    if (bits.Bit())
                    {
                        SkipScalingList(ref bits, list < 6 ? 16 : 64);
                    }
                }
            }
        }

        Require(bits.UnsignedExpGolomb() <= 12, "log2_max_frame_num_minus4");
        var pictureOrderCountType = bits.UnsignedExpGolomb();
        Require(pictureOrderCountType <= 2, "pic_order_cnt_type");
        switch (pictureOrderCountType)
        {
            case 0:
                Require(bits.UnsignedExpGolomb() <= 12, "log2_max_pic_order_cnt_lsb_minus4");
                break;
            case 1:
                bits.Bit(); // delta_pic_order_always_zero_flag
                bits.SignedExpGolomb(); // offset_for_non_ref_pic
                bits.SignedExpGolomb(); // offset_for_top_to_bottom_field
                var cycle = bits.UnsignedExpGolomb();
                if (cycle > 255)
                {
                    throw new InvalidDataException("SPS: num_ref_frames_in_pic_order_cnt_cycle over 255");
                }

                for (var frame = 0; frame < cycle; frame++)
                {
                    bits.SignedExpGolomb(); // offset_for_ref_frame
                }

                break;
        }

        Require(bits.UnsignedExpGolomb() <= 16, "max_num_ref_frames");
        bits.Bit(); // gaps_in_frame_num_value_allowed_flag
        var widthInMacroblocks = bits.UnsignedExpGolomb() + 1L;
        var heightInMapUnits = bits.UnsignedExpGolomb() + 1L;
        var frameMbsOnly = bits.Bit();
        if (!frameMbsOnly)
        {
            bits.Bit(); // mb_adaptive_frame_field_flag
        }

        bits.Bit(); // direct_8x8_inference_flag
        long cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
        if (bits.Bit()) // frame_cropping_flag
        {
            cropLeft = bits.UnsignedExpGolomb();
            cropRight = bits.UnsignedExpGolomb();
            cropTop = bits.UnsignedExpGolomb();
            cropBottom = bits.UnsignedExpGolomb();
        }

        // FFmpeg refuses a picture whose uncropped size it cannot allocate (av_image_check_size), before cropping.
        var codedWidth = widthInMacroblocks * 16;
        var codedHeight = (frameMbsOnly ? 1 : 2) * heightInMapUnits * 16;
        Require(codedWidth < 65_536 && codedHeight < 65_536 && (codedWidth + 128) * (codedHeight + 128) < int.MaxValue / 8, "picture size");

        // 7.4.2.1.1: crop offsets count in chroma samples (and in field rows when pictures may be fields).
        var (subWidth, subHeight) = chromaFormat switch { 1 => (2, 2), 2 => (2, 1), _ => (1, 1) };
        var fieldFactor = frameMbsOnly ? 1 : 2;
        var width = widthInMacroblocks * 16 - subWidth * (cropLeft + cropRight);
        var height = fieldFactor * heightInMapUnits * 16 - subHeight * fieldFactor * (cropTop + cropBottom);
        if (width <= 0 || height <= 0 || width > 65_535 || height > 65_535)
        {
            throw new InvalidDataException("SPS: a picture size out of range");
        }

        double? aspectRatio = null;
        var fullRange = false;
        int? transfer = null;
        if (bits.Bit()) // vui_parameters_present_flag
        {
            if (bits.Bit()) // aspect_ratio_info_present_flag
            {
                var index = (int)bits.Bits(8);
                Require(index is <= 16 or 255, "aspect_ratio_idc"); // FFmpeg 5.1 refuses the SPS; later versions only warn
                var (sarWidth, sarHeight) = index == 255 ? ((int)bits.Bits(16), (int)bits.Bits(16))
                    : index is >= 1 and <= 16 ? AspectRatios[index - 1] : (0, 0);
                aspectRatio = sarWidth > 0 && sarHeight > 0 ? (double)sarWidth / sarHeight : null;
            }

            if (bits.Bit()) // overscan_info_present_flag
            {
                bits.Bit(); // overscan_appropriate_flag
            }

            if (bits.Bit()) // video_signal_type_present_flag
            {
                bits.Bits(3); // video_format
                fullRange = bits.Bit();
                if (bits.Bit()) // colour_description_present_flag
                {
                    bits.Bits(8); // colour_primaries
                    transfer = (int)bits.Bits(8);
                    bits.Bits(8); // matrix_coefficients
                }
            }

            // On to pic_struct_present_flag: with it, each picture's timing SEI may say it is a pair of fields.
            if (bits.Bit()) // chroma_loc_info_present_flag
            {
                bits.UnsignedExpGolomb();
                bits.UnsignedExpGolomb();
            }

            if (bits.Bit()) // timing_info_present_flag
            {
                bits.Bits(32); // num_units_in_tick
                bits.Bits(32); // time_scale
                bits.Bit(); // fixed_frame_rate_flag
            }

            var nalHrd = bits.Bit() && SkipHrdParameters(ref bits);
            var vclHrd = bits.Bit() && SkipHrdParameters(ref bits);
            if (nalHrd || vclHrd)
            {
                bits.Bit(); // low_delay_hrd_flag
            }

            Require(!bits.Bit(), "pic_struct_present_flag"); // pictures may be marked as fields: left to a decoder
        }

        return new H264SequenceParameters(
            (int)id, profile, constraints, level, chromaFormat, lumaDepth, chromaDepth, (int)width, (int)height, frameMbsOnly, aspectRatio, fullRange, transfer);
    }

    /// <summary>E.1.2: hrd_parameters, skipped; true, for the flag it was read after.</summary>
    private static bool SkipHrdParameters(ref BitReader bits)
    {
        var count = bits.UnsignedExpGolomb() + 1; // cpb_cnt_minus1
        Require(count <= 32, "cpb_cnt_minus1");
        bits.Bits(4); // bit_rate_scale
        bits.Bits(4); // cpb_size_scale
        for (var i = 0; i < count; i++)
        {
            bits.UnsignedExpGolomb(); // bit_rate_value_minus1
            bits.UnsignedExpGolomb(); // cpb_size_value_minus1
            bits.Bit(); // cbr_flag
        }

        bits.Bits(20); // initial_cpb_removal_delay_length_minus1, cpb_removal_delay_length_minus1, dpb_output_delay_length_minus1, time_offset_length
        return true;
    }

    /// <summary>7.3.2.1.1.1: a scaling list is delta-coded; only its length in bits matters here.</summary>
    public static void SkipScalingList(ref BitReader bits, int size)
    {
        var last = 8;
        var next = 8;
        for (var j = 0; j < size; j++)
        {
            if (next != 0)
            {
                var delta = bits.SignedExpGolomb();
                Require(delta is >= -128 and <= 127, "delta_scale");
                next = (last + delta + 256) % 256;
            }

            last = next == 0 ? last : next;
        }
    }

    private static void Require(bool valid, string field)
    {
        if (!valid)
        {
            throw new InvalidDataException($"SPS: {field} out of range");
        }
    }
}
