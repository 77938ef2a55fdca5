namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>An H.264 NAL unit's payload as its syntax is read (7.4.1): emulation prevention removed, its stop bit found.</summary>
public static class H264Rbsp
{
    /// <summary>The payload without the 0x03 bytes that keep start codes out of it (00 00 03 → 00 00).</summary>
    /// <exception cref="InvalidDataException">00 00 00, 00 00 01 or 00 00 02 inside it: where FFmpeg would end the unit.</exception>
    public static byte[] Payload(ReadOnlySpan<byte> escaped)
    {
        var bytes = new List<byte>(escaped.Length);
        var zeros = 0;
        foreach (var value in escaped)
        {
            if (zeros >= 2 && value <= 2)
            {
                throw new InvalidDataException("a start code inside a NAL unit");
            }

            if (zeros >= 2 && value == 3)
            {
                zeros = 0;
                continue;
            }

            zeros = value == 0 ? zeros + 1 : 0;
            bytes.Add(value);
        }

        return [.. bytes];
    }

    /// <summary>Where the rbsp_stop_one_bit is, in bits from the start: syntax before it is data (more_rbsp_data).</summary>
    /// <exception cref="InvalidDataException">No stop bit: the payload is cut.</exception>
    public static int StopBit(ReadOnlySpan<byte> payload)
    {
        for (var at = payload.Length - 1; at >= 0; at--)
        {
            if (payload[at] != 0)
            {
                return at * 8 + 7 - System.Numerics.BitOperations.TrailingZeroCount(payload[at]);
            }
        }

        throw new InvalidDataException("a NAL unit without its stop bit");
    }
}
