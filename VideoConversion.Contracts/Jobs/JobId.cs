using System.Security.Cryptography;

namespace VideoConversion.Contracts.Jobs;

/// <summary>Job ids are 128 random bits in lowercase hex: unguessable, and safe inside storage keys.</summary>
public static class JobId
{
    private const int Length = 32;

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(Length / 2));

    public static bool IsWellFormed(string? value) =>
        value is { Length: Length } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
