using System.Security.Cryptography;

namespace VideoConversion.Api.Accounts;

/// <summary>Passwords the service makes (the first administrator's, an account made without one): 20 characters that meet Identity's rules.</summary>
public static class PasswordGenerator
{
    private const string Lower = "abcdefghijkmnopqrstuvwxyz";
    private const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const string Digits = "23456789";
    private const string Symbols = "-_.!";
    private const int Length = 20;

    public static string New()
    {
        // One of each class Identity requires, the rest from all of them, then shuffled.
        var all = Lower + Upper + Digits + Symbols;
        var characters = new[] { Pick(Lower), Pick(Upper), Pick(Digits), Pick(Symbols) }
            .Concat(Enumerable.Range(0, Length - 4).Select(_ => Pick(all)))
            .ToArray();
        RandomNumberGenerator.Shuffle(characters.AsSpan());
        return new string(characters);
    }

    private static char Pick(string set) => set[RandomNumberGenerator.GetInt32(set.Length)];
}
