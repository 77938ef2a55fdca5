namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// An MP4 audio track's decoder configuration, from its esds box: which codec its object type indication names and,
/// for AAC, the AudioSpecificConfig's object type, sample rate and channel layout (ISO/IEC 14496-3, 1.6.2.1).
/// </summary>
/// <param name="ObjectTypeIndication">The stream's codec (ISO/IEC 14496-1): 0x40 MPEG-4 audio, 0x66–0x68 MPEG-2 AAC, 0x69 and 0x6B MP3.</param>
/// <param name="AudioObjectType">2 for AAC-LC, 5 for HE-AAC (SBR), 29 for HE-AAC v2; 0 when the stream is not AAC.</param>
/// <param name="Channels">0 when the configuration leaves the layout to a program config element.</param>
/// <param name="SbrPresent">
/// What the configuration's backward-compatible extension (sync 0x2B7) says of SBR; null when it says nothing, and a
/// decoder finds out from the frames (implicit signalling: AAC-LC that may play as HE-AAC at twice the rate).
/// </param>
public sealed record AacAudioConfig(int ObjectTypeIndication, int AudioObjectType, int SampleRate, int Channels, bool? SbrPresent = null)
{
    private const int SyncExtensionType = 0x2B7;
    private const int SbrObjectType = 5;

    private static readonly int[] SampleRates = [96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350];

    /// <summary>Channels for each channelConfiguration of ISO/IEC 14496-3 (1.6.3.5): 7 is 7.1 with front wide speakers.</summary>
    private static readonly int[] ChannelsByConfiguration = [0, 1, 2, 3, 4, 5, 6, 8];

    public bool IsAac => ObjectTypeIndication is 0x40 or 0x66 or 0x67 or 0x68;

    /// <summary>Reads the configuration from an esds box's body, walking the descriptors as ISO/IEC 14496-1 nests them.</summary>
    /// <exception cref="InvalidDataException">The box is not a decoder configuration.</exception>
    public static AacAudioConfig FromEsds(ReadOnlySpan<byte> esds)
    {
        var body = esds[4..]; // version and flags
        var es = Descriptor(body, 0x03); // ES_Descriptor
        var flags = es[2];
        // ES_ID and flags, then in this order (ISO/IEC 14496-1, 7.2.6.5): dependsOn_ES_ID, a URL with its length first, OCR_ES_Id.
        var skip = 3 + ((flags & 0x80) != 0 ? 2 : 0);
        if ((flags & 0x40) != 0)
        {
            skip += 1 + es[skip];
        }

        skip += (flags & 0x20) != 0 ? 2 : 0;

        // DecoderConfigDescriptor: objectTypeIndication, streamType, bufferSizeDB (3), maxBitrate (4), avgBitrate (4), then its own descriptors.
        var config = Descriptor(es[skip..], 0x04);
        var objectTypeIndication = config[0];
        if (objectTypeIndication is not (0x40 or 0x66 or 0x67 or 0x68))
        {
            return new AacAudioConfig(objectTypeIndication, 0, 0, 0);
        }

        var specific = new BitReader(Descriptor(config[13..], 0x05)); // DecoderSpecificInfo: the AudioSpecificConfig
        var objectType = (int)specific.Bits(5);
        if (objectType == 31)
        {
            objectType = 32 + (int)specific.Bits(6);
        }

        var rateIndex = (int)specific.Bits(4);
        if (rateIndex == 15)
        {
            specific.Bits(24); // an explicit rate, which FFmpeg's decoder refuses as it does any index past the table: no rate
        }

        var sampleRate = rateIndex < SampleRates.Length ? SampleRates[rateIndex] : 0;
        var channelConfiguration = (int)specific.Bits(4);
        var channels = channelConfiguration < ChannelsByConfiguration.Length ? ChannelsByConfiguration[channelConfiguration] : 0;
        return new AacAudioConfig(objectTypeIndication, objectType, sampleRate, channels,
            objectType == 2 && channelConfiguration != 0 ? ExplicitSbr(ref specific) : null);
    }

    /// <summary>
    /// After AAC-LC's GASpecificConfig (ISO/IEC 14496-3, 4.4.1: frameLengthFlag, dependsOnCoreCoder and its delay,
    /// extensionFlag), the explicit SBR signalling FFmpeg's encoder writes: sync extension 0x2B7, object type 5, the flag.
    /// </summary>
    /// <remarks>
    /// FFmpeg does not parse the GASpecificConfig; it scans for the sync pattern from its first bit. Only the three
    /// flags FFmpeg's encoder writes (all 0) leave no earlier bits where the scan could find another pattern.
    /// </remarks>
    private static bool? ExplicitSbr(ref BitReader specific)
    {
        if (specific.Bits(3) != 0) // frameLengthFlag, dependsOnCoreCoder, extensionFlag
        {
            return null;
        }

        if (specific.Remaining < 16 || specific.Bits(11) != SyncExtensionType || specific.Bits(5) != SbrObjectType)
        {
            return null;
        }

        return specific.Bit();
    }

    /// <summary>The body of the descriptor with <paramref name="tag"/> at the start of <paramref name="data"/> (a size of up to four bytes, 7 bits each).</summary>
    private static ReadOnlySpan<byte> Descriptor(ReadOnlySpan<byte> data, byte tag)
    {
        if (data.Length < 2 || data[0] != tag)
        {
            throw new InvalidDataException($"esds: descriptor {tag} expected");
        }

        var size = 0;
        var at = 1;
        do
        {
            size = (size << 7) | (data[at] & 0x7F);
        }
        while ((data[at++] & 0x80) != 0 && at < 5 && at < data.Length);

        return at + size <= data.Length ? data.Slice(at, size) : throw new InvalidDataException($"esds: descriptor {tag} runs past its box");
    }
}
