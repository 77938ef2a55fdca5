using System.Globalization;
using System.Text.Json;

namespace VideoConversion.Worker.Conversion.Probing;

/// <summary>Reads ffprobe's JSON (-show_format -show_streams) into a <see cref="MediaInfo"/>.</summary>
public static class FFprobeOutput
{
    public static MediaInfo Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        var streams = root.TryGetProperty("streams", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(ParseStream).ToList()
            : [];

        var format = root.TryGetProperty("format", out var value) ? value : default;
        return new MediaInfo(
            String(format, "format_name") ?? "",
            Seconds(String(format, "duration")),
            streams);
    }

    private static StreamInfo ParseStream(JsonElement stream)
    {
        var disposition = stream.TryGetProperty("disposition", out var flags) ? flags : default;
        var tags = stream.TryGetProperty("tags", out var values) ? values : default;
        var startTime = Seconds(String(stream, "start_time")) ?? TimeSpan.Zero;
        return new StreamInfo
        {
            Index = Integer(stream, "index") ?? 0,
            Kind = String(stream, "codec_type") switch
            {
                "video" => StreamKind.Video,
                "audio" => StreamKind.Audio,
                _ => StreamKind.Other,
            },
            CodecName = String(stream, "codec_name"),
            Profile = String(stream, "profile"),
            Level = Integer(stream, "level") is > 0 and var level ? level : null,
            IsDefault = Integer(disposition, "default") == 1,
            IsAttachedPicture = Integer(disposition, "attached_pic") == 1,
            Duration = Seconds(String(stream, "duration")) ?? LengthFromEndTime(ClockTime(String(tags, "DURATION")), startTime),
            StartTime = startTime,
            PixelFormat = String(stream, "pix_fmt"),
            Width = Integer(stream, "width") ?? 0,
            Height = Integer(stream, "height") ?? 0,
            SampleAspectRatio = Ratio(String(stream, "sample_aspect_ratio")) is > 0 and var ratio ? ratio : 1,
            FieldOrder = String(stream, "field_order"),
            ColorTransfer = String(stream, "color_transfer"),
            Rotation = Rotation(stream, tags),
            AverageFrameRate = Ratio(String(stream, "avg_frame_rate")) is > 0 and var rate ? rate : null,
            BaseFrameRate = Ratio(String(stream, "r_frame_rate")) is > 0 and var baseRate ? baseRate : null,
            FrameCount = long.TryParse(String(stream, "nb_frames"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var frames) ? frames : null,
            DecodedFrames = long.TryParse(String(stream, "nb_read_frames"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var decoded) ? decoded : null,
            Channels = Integer(stream, "channels") ?? 0,
            SampleRate = int.TryParse(String(stream, "sample_rate"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var rateHz) ? rateHz : 0,
        };
    }

    /// <summary>The display rotation in degrees, 0 to 359, from the display matrix or the older "rotate" tag.</summary>
    private static int Rotation(JsonElement stream, JsonElement tags)
    {
        int? degrees = null;
        if (stream.TryGetProperty("side_data_list", out var sideData) && sideData.ValueKind == JsonValueKind.Array)
        {
            degrees = sideData.EnumerateArray()
                .Select(item => item.TryGetProperty("rotation", out var rotation) && rotation.TryGetInt32(out var value) ? value : (int?)null)
                .FirstOrDefault(value => value is not null);
        }

        degrees ??= int.TryParse(String(tags, "rotate"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var tagged) ? tagged : 0;

        return ((degrees.Value % 360) + 360) % 360;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    private static int? Integer(JsonElement element, string name) =>
        int.TryParse(String(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static TimeSpan? Seconds(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && double.IsFinite(seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    /// <summary>
    /// Matroska states a stream's duration only as a "DURATION" tag, which holds the time its
    /// last frame ends rather than its length.
    /// </summary>
    private static TimeSpan? LengthFromEndTime(TimeSpan? endTime, TimeSpan startTime) =>
        endTime - startTime is { } length && length > TimeSpan.Zero ? length : null;

    private static TimeSpan? ClockTime(string? text) =>
        text is not null && TimeSpan.TryParse(text.Length > 16 ? text[..16] : text, CultureInfo.InvariantCulture, out var time) && time > TimeSpan.Zero
            ? time
            : null;

    /// <summary>"num:den" or "num/den" as a number; null for "0/0", "N/A" and the like.</summary>
    private static double? Ratio(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(':', '/');
        return parts.Length == 2 &&
               double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var numerator) &&
               double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var denominator) &&
               numerator > 0 && denominator > 0
            ? numerator / denominator
            : null;
    }
}
