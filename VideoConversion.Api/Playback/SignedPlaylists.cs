using System.Text;
using System.Text.RegularExpressions;

namespace VideoConversion.Api.Playback;

/// <summary>
/// Rewrites the relative file names in a stored media playlist or storyboard index into storage URLs signed for this
/// answer: the files stay private, and the bytes go straight from storage to the player.
/// </summary>
public static partial class SignedPlaylists
{
    /// <param name="sign">A stored file's name (beside the playlist) to its signed URL.</param>
    /// <exception cref="InvalidDataException">The playlist names something other than a segment beside it.</exception>
    public static string MediaPlaylist(string text, Func<string, string> sign)
    {
        var signed = new StringBuilder(text.Length * 4);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("#EXT-X-MAP:", StringComparison.Ordinal) && MapUri().Match(line) is { Success: true } map)
            {
                line = string.Concat(line.AsSpan(0, map.Groups["uri"].Index), sign(Checked(map.Groups["uri"].Value)), line.AsSpan(map.Groups["uri"].Index + map.Groups["uri"].Length));
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                line = sign(Checked(line));
            }

            signed.Append(line).Append('\n');
        }

        return signed.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>A WebVTT storyboard: each cue's "sheet001.jpg#xywh=…" keeps its fragment and gets a signed sheet URL.</summary>
    public static string Storyboard(string vtt, Func<string, string> sign)
    {
        var signed = new StringBuilder(vtt.Length * 4);
        foreach (var raw in vtt.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (SheetReference().Match(line) is { Success: true } reference)
            {
                line = sign(Checked(reference.Groups["file"].Value)) + reference.Groups["fragment"].Value;
            }

            signed.Append(line).Append('\n');
        }

        return signed.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>Only a plain file name beside the playlist: a stored playlist naming anything else is not one the worker wrote.</summary>
    private static string Checked(string file) =>
        FileName().IsMatch(file) ? file : throw new InvalidDataException($"The stored playlist names '{file}', which is not a file beside it.");

    [GeneratedRegex("^[A-Za-z0-9_]+\\.(m4s|mp4|jpg)$")]
    private static partial Regex FileName();

    [GeneratedRegex("URI=\"(?<uri>[^\"]*)\"")]
    private static partial Regex MapUri();

    [GeneratedRegex("^(?<file>[A-Za-z0-9_]+\\.jpg)(?<fragment>#xywh=\\d+,\\d+,\\d+,\\d+)$")]
    private static partial Regex SheetReference();
}
