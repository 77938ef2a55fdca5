namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// An H.264 picture parameter set (7.3.2.2), read to hold it to what FFmpeg's decoder accepts (h264_ps.c): a PPS it
/// refuses leaves every slice that refers to it undecodable, and ffprobe reports no profile or pixel format at all.
/// </summary>
public static class H264PictureParameters
{
    /// <returns>The PPS's own id and the id of the SPS it refers to.</returns>
    /// <exception cref="InvalidDataException">Not a PPS, or one FFmpeg refuses: slice groups, more than 32 references, out-of-range QPs.</exception>
    public static (int Id, int SpsId) Read(ReadOnlySpan<byte> nal, H264SequenceParameters sps)
    {
        if (nal.Length < 2 || (nal[0] & 0x1F) != 8)
        {
            throw new InvalidDataException("not a picture parameter set");
        }

        var payload = H264Rbsp.Payload(nal[1..]);
        var stop = H264Rbsp.StopBit(payload);
        var bits = new BitReader(payload);
        var id = bits.UnsignedExpGolomb();
        var spsId = bits.UnsignedExpGolomb();
        Require(id <= 255 && spsId <= 31, "a parameter set id");
        bits.Bit(); // entropy_coding_mode_flag
        bits.Bit(); // bottom_field_pic_order_in_frame_present_flag
        Require(bits.UnsignedExpGolomb() == 0, "num_slice_groups_minus1"); // FFmpeg decodes no slice groups (FMO)
        Require(bits.UnsignedExpGolomb() <= 31 && bits.UnsignedExpGolomb() <= 31, "num_ref_idx_default_active_minus1");
        bits.Bit(); // weighted_pred_flag
        bits.Bits(2); // weighted_bipred_idc
        var qpBdOffset = 6 * (sps.BitDepthLuma - 8);
        Require(bits.SignedExpGolomb() is var qp && qp >= -(26 + qpBdOffset) && qp <= 25, "pic_init_qp_minus26");
        Require(bits.SignedExpGolomb() is >= -26 and <= 25, "pic_init_qs_minus26");
        Require(bits.SignedExpGolomb() is >= -12 and <= 12, "chroma_qp_index_offset");
        bits.Bit(); // deblocking_filter_control_present_flag
        bits.Bit(); // constrained_intra_pred_flag
        bits.Bit(); // redundant_pic_cnt_present_flag
        if (bits.Position < stop)
        {
            var transform8x8 = bits.Bit();
            if (bits.Bit()) // pic_scaling_matrix_present_flag
            {
                var lists = 6 + (transform8x8 ? (sps.ChromaFormatIdc == 3 ? 6 : 2) : 0);
                for (var list = 0; list < lists; list++)
                {
                    if (bits.Bit())
                    {
                        H264SequenceParameters.SkipScalingList(ref bits, list < 6 ? 16 : 64);
                    }
                }
            }

            Require(bits.SignedExpGolomb() is >= -12 and <= 12, "second_chroma_qp_index_offset");
        }

        return ((int)id, (int)spsId);
    }

    private static void Require(bool valid, string field)
    {
        if (!valid)
        {
            throw new InvalidDataException($"PPS: {field} out of range");
        }
    }
}
