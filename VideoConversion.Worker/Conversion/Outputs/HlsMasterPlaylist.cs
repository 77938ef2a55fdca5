using System.Globalization;
using System.Text;
using VideoConversion.Contracts.Outputs;

namespace VideoConversion.Worker.Conversion.Outputs;

/// <summary>
/// The master playlist, written from what the renditions measured rather than what was asked of the encoder: a
/// player picks renditions by BANDWIDTH and AVERAGE-BANDWIDTH, and refuses those whose CODECS it cannot play.
/// </summary>
public static class HlsMasterPlaylist
{
    public const string AudioGroup = "audio";

    public static string Write(HlsOutput hls)
    {
        var text = new StringBuilder();
        text.Append("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        if (hls.Audio is { } audio)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{AudioGroup}\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"{audio.Channels}\",URI=\"{audio.Name}.m3u8\"\n");
        }

        foreach (var rendition in hls.Renditions)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"#EXT-X-STREAM-INF:BANDWIDTH={rendition.Bandwidth},AVERAGE-BANDWIDTH={rendition.AverageBandwidth}," +
                $"RESOLUTION={rendition.Width}x{rendition.Height},CODECS=\"{rendition.Codecs}\",FRAME-RATE={rendition.FrameRate:0.000}");
            text.Append(hls.Audio is null ? "\n" : $",AUDIO=\"{AudioGroup}\"\n");
            text.Append(CultureInfo.InvariantCulture, $"{rendition.Name}.m3u8\n");
        }

        return text.ToString();
    }
}
