namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Reads a bit string most significant bit first, as codec headers are written: fixed-width fields and H.264's
/// Exp-Golomb codes (ITU-T H.264, 9.1).
/// </summary>
/// <exception cref="InvalidDataException">A read runs past the end of the data.</exception>
public ref struct BitReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    /// <summary>Bits read so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bits not read yet.</summary>
    public readonly int Remaining => _data.Length * 8 - _position;

    public uint Bits(int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            value = (value << 1) | (Bit() ? 1u : 0u);
        }

        return value;
    }

    public bool Bit()
    {
        if (_position >= _data.Length * 8)
        {
            throw new InvalidDataException("a header ends before its fields do");
        }

        var bit = (_data[_position / 8] >> (7 - (_position % 8))) & 1;
        _position++;
        return bit == 1;
    }

    /// <summary>ue(v): an unsigned Exp-Golomb code.</summary>
    public uint UnsignedExpGolomb()
    {
        var leadingZeros = 0;
        while (!Bit())
        {
            if (++leadingZeros > 31)
            {
                throw new InvalidDataException("an Exp-Golomb code longer than 32 bits");
            }
        }

        return (uint)((1L << leadingZeros) - 1 + Bits(leadingZeros));
    }

    /// <summary>se(v): a signed Exp-Golomb code.</summary>
    public int SignedExpGolomb()
    {
        var code = UnsignedExpGolomb();
        return (code & 1) == 1 ? (int)((code + 1) / 2) : -(int)(code / 2);
    }
}
