namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>Picture sides as 4:2:0 video and the outputs need them: even, rounded down.</summary>
public static class EvenSize
{
    /// <summary>
    /// Even, rounding down, but not below a whole number that floating point missed by a hair (854.0 computed as 853.99999).
    /// </summary>
    public static int Floor(double pixels) => (int)Math.Floor((pixels + 1e-6) / 2) * 2;
}
