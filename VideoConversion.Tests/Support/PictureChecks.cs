namespace VideoConversion.Tests.Support;

/// <summary>Checks of a still picture the system made (a poster): decoded by FFmpeg, not by the system's code.</summary>
public static class PictureChecks
{
    /// <summary>A JPEG of the size, neither one flat colour nor dark (a black frame, or the bottom of a fade).</summary>
    public static async Task AssertRepresentativeAsync(string path, int width, int height)
    {
        var picture = (await TestMedia.ProbeAsync(path)).GetProperty("streams")[0];
        Assert.Equal("mjpeg", picture.GetProperty("codec_name").GetString());
        Assert.Equal((width, height), (picture.GetProperty("width").GetInt32(), picture.GetProperty("height").GetInt32()));

        var gray = path + ".gray";
        await TestMedia.FFmpegAsync("-i", path, "-f", "rawvideo", "-pix_fmt", "gray", gray);
        var luma = await File.ReadAllBytesAsync(gray);
        File.Delete(gray);
        var mean = luma.Average(value => (double)value);
        var spread = Math.Sqrt(luma.Average(value => (value - mean) * (value - mean)));
        Assert.True(mean > 40, $"the picture is dark (mean luma {mean:F0}): a black frame or a fade");
        Assert.True(spread > 20, $"the picture is nearly uniform (luma deviation {spread:F1})");
    }
}
