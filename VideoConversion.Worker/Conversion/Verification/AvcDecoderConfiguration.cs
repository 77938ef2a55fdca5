namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// An H.264 track's decoder configuration, its avcC box (ISO/IEC 14496-15, 5.3.3.1): the parameter sets a decoder starts
/// from, and how long the length in front of each NAL unit of a sample is.
/// </summary>
/// <param name="PictureParameterSetIds">Each picture parameter set's id; all of them refer to <paramref name="Sps"/>.</param>
public sealed record AvcDecoderConfiguration(
    H264SequenceParameters Sps, byte[] SpsBytes, int NalLengthSize, IReadOnlyList<int> PictureParameterSetIds, IReadOnlyList<byte[]> PpsBytes)
{
    /// <summary>Reads an avcC box's body: one SPS and the PPSs that refer to it, or nothing.</summary>
    /// <exception cref="InvalidDataException">Not one SPS, no PPS, a PPS of another SPS, or a damaged box.</exception>
    public static AvcDecoderConfiguration Read(ReadOnlySpan<byte> avcC)
    {
        // configurationVersion, profile, compatibility, level, lengthSizeMinusOne, then the SPSs and the PPSs, each with its length.
        if (avcC.Length < 7 || avcC[0] != 1)
        {
            throw new InvalidDataException("avcC: not version 1");
        }

        var nalLengthSize = (avcC[4] & 0x03) + 1;
        if (nalLengthSize == 3)
        {
            throw new InvalidDataException("avcC: a NAL length of 3 bytes");
        }

        var at = 5;
        // Decoders keep the last SPS of an id and pick by the PPS's reference: one SPS leaves no room for disagreement.
        var sequenceSets = ParameterSets(avcC, ref at, avcC[at++] & 0x1F);
        if (sequenceSets is not [var spsBytes])
        {
            throw new InvalidDataException("avcC: not exactly one sequence parameter set");
        }

        var pictureSets = ParameterSets(avcC, ref at, at < avcC.Length ? avcC[at++] : 0);
        var sps = H264SequenceParameters.FromNalUnit(spsBytes);
        List<int> ids = [];
        foreach (var pps in pictureSets)
        {
            var (id, spsId) = H264PictureParameters.Read(pps, sps);
            if (spsId != sps.Id || ids.Contains(id))
            {
                throw new InvalidDataException("avcC: a picture parameter set of another sequence parameter set, or one id twice");
            }

            ids.Add(id);
        }

        return ids.Count > 0
            ? new AvcDecoderConfiguration(sps, spsBytes, nalLengthSize, ids, pictureSets)
            : throw new InvalidDataException("avcC: no picture parameter set");
    }

    private static List<byte[]> ParameterSets(ReadOnlySpan<byte> avcC, ref int at, int count)
    {
        List<byte[]> sets = [];
        for (var i = 0; i < count; i++)
        {
            if (avcC.Length - at < 2)
            {
                throw new InvalidDataException("avcC: a parameter set runs past the box");
            }

            var length = (avcC[at] << 8) | avcC[at + 1];
            at += 2;
            if (length == 0 || length > avcC.Length - at)
            {
                throw new InvalidDataException("avcC: a parameter set runs past the box");
            }

            sets.Add(avcC.Slice(at, length).ToArray());
            at += length;
        }

        return sets;
    }
}
