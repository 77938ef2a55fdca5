using System.Globalization;

namespace VideoConversion.Contracts.Text;

/// <summary>Sizes, speeds and times as people read them: "1.5 GB", "12.3 MB/s", "2 min 5 s".</summary>
public static class ByteText
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB"];

    public static string Size(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < Units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {Units[unit]}");
    }

    public static string Speed(double bytesPerSecond) => Size((long)bytesPerSecond) + "/s";

    public static string Duration(TimeSpan time) => time.TotalSeconds switch
    {
        < 1 => "under a second",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalSeconds} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalMinutes} min {time.Seconds} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours} h {time.Minutes} min"),
    };
}
