using System.Globalization;
using System.Text.Json;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Conversion;

/// <summary>
/// Each generated input really has the trait it stands for (rotation, interlacing, a cover
/// picture…); otherwise the conversion tests would pass without testing anything.
/// </summary>
public sealed class InputCorpusTests : IDisposable
{
    private static readonly Dictionary<string, Action<string, JsonElement>> Traits = new()
    {
        ["ready.mp4"] = (path, probe) =>
        {
            Assert.Equal(("h264", "High"), (Video(probe).Text("codec_name"), Video(probe).Text("profile")));
            Assert.False(TestMedia.MoovBeforeMdat(path), "the index must start at the end, for the remux to move it");
        },
        ["camcorder.mts"] = (_, probe) =>
        {
            Assert.Equal("mpegts", probe.GetProperty("format").Text("format_name"));
            Assert.Equal(("h264", "aac"), (Video(probe).Text("codec_name"), Audio(probe).Single().Text("codec_name")));
        },
        ["odd-size.avi"] = (_, probe) =>
            Assert.Equal(("321", "241", "yuvj444p"), (Video(probe).Text("width"), Video(probe).Text("height"), Video(probe).Text("pix_fmt"))),
        ["high10.mkv"] = (_, probe) => Assert.Equal("yuv420p10le", Video(probe).Text("pix_fmt")),
        ["prores.mov"] = (_, probe) => Assert.Equal(("prores", "yuv422p10le"), (Video(probe).Text("codec_name"), Video(probe).Text("pix_fmt"))),
        ["yuv444.mp4"] = (_, probe) => Assert.Equal("yuv444p", Video(probe).Text("pix_fmt")),
        ["full-range.mp4"] = (_, probe) => Assert.Equal("yuvj420p", Video(probe).Text("pix_fmt")),
        ["phone-rotated.mp4"] = (_, probe) => Assert.Equal(90, Math.Abs(OutputContract.Rotation(Video(probe)))),
        ["phone-rotated-baseline.mov"] = (_, probe) =>
        {
            Assert.Equal(90, Math.Abs(OutputContract.Rotation(Video(probe))));
            Assert.Contains("Baseline", Video(probe).Text("profile"), StringComparison.Ordinal);
        },
        ["dvd.vob"] = (_, probe) =>
        {
            Assert.Equal(("tt", "8:9"), (Video(probe).Text("field_order"), Video(probe).Text("sample_aspect_ratio")));
            Assert.Contains(Streams(probe), stream => stream.Text("codec_type") == "data");
            Assert.Contains(Streams(probe), stream => stream.Text("codec_name") == "ac3");
        },
        ["broadcast.ts"] = (_, probe) => Assert.Equal("tt", Video(probe).Text("field_order")),
        ["h264-ac3.mkv"] = (_, probe) => Assert.Equal("ac3", Audio(probe).Single().Text("codec_name")),
        ["vfr.webm"] = (_, probe) =>
        {
            Assert.InRange(double.Parse(probe.GetProperty("format").Text("duration")!, CultureInfo.InvariantCulture), 2.4, 2.6);
            Assert.Equal("50", Video(probe).Text("nb_read_frames"));
        },
        ["multi-audio.mkv"] = (_, probe) =>
            Assert.Equal([0, 1, 0], Audio(probe).Select(track => track.GetProperty("disposition").GetProperty("default").GetInt32())),
        ["subtitles-timecode.mov"] = (_, probe) =>
        {
            Assert.Contains(Streams(probe), stream => stream.Text("codec_type") == "subtitle");
            Assert.Contains(Streams(probe), stream => stream.Text("codec_type") == "data");
        },
        ["subtitles.mkv"] = (_, probe) =>
        {
            Assert.Contains(Streams(probe), stream => stream.Text("codec_type") == "subtitle");
            Assert.Contains(Streams(probe), stream => stream.Text("codec_type") == "attachment");
        },
        ["cover-art.mp4"] = (_, probe) =>
            Assert.Contains(Streams(probe), stream => stream.GetProperty("disposition").GetProperty("attached_pic").GetInt32() == 1),
        ["animated.gif"] = (_, probe) =>
            Assert.Equal(("gif", "161", "20"), (Video(probe).Text("codec_name"), Video(probe).Text("width"), Video(probe).Text("nb_read_frames"))),
        ["8k.mkv"] = (_, probe) =>
            Assert.Equal(("7680", "4320", "60/1"), (Video(probe).Text("width"), Video(probe).Text("height"), Video(probe).Text("avg_frame_rate"))),
        ["one-frame.mp4"] = (_, probe) => Assert.Equal("1", Video(probe).Text("nb_frames")),
        ["silent.flv"] = (_, probe) => Assert.Empty(Audio(probe)),
        ["old-phone.3gp"] = (_, probe) => Assert.Equal("h263", Video(probe).Text("codec_name")),
        ["archive.wmv"] = (_, probe) => Assert.Equal("wmv2", Video(probe).Text("codec_name")),
        ["theora.ogv"] = (_, probe) => Assert.Equal("theora", Video(probe).Text("codec_name")),
        ["iphone.mov"] = (_, probe) =>
        {
            Assert.Equal("hevc", Video(probe).Text("codec_name"));
            Assert.Equal("6", Audio(probe).Single().Text("channels"));
        },
        ["odd-rate.avi"] = (_, probe) => Assert.Equal("22254", Audio(probe).Single().Text("sample_rate")),
        ["late-audio.mkv"] = (_, probe) =>
        {
            Assert.InRange(Seconds(Audio(probe).Single(), "start_time"), 0.9, 1.1);
            Assert.InRange(Seconds(Video(probe), "start_time"), 0, 0.1);
        },
        ["live.webm"] = (_, probe) => Assert.Null(probe.GetProperty("format").Text("duration")),
        ["anamorphic-rotated.mp4"] = (_, probe) =>
        {
            Assert.Equal("4:3", Video(probe).Text("sample_aspect_ratio"));
            Assert.Equal(90, Math.Abs(OutputContract.Rotation(Video(probe))));
        },
        ["hdr-hlg.mov"] = (_, probe) =>
            Assert.Equal(("arib-std-b67", "yuv420p10le"), (Video(probe).Text("color_transfer"), Video(probe).Text("pix_fmt"))),
    };

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-corpus-traits-");

    [Theory]
    [MemberData(nameof(InputCorpus.Names), MemberType = typeof(InputCorpus))]
    public async Task The_input_has_the_trait_it_stands_for(string fileName)
    {
        Assert.True(Traits.TryGetValue(fileName, out var assertTrait), $"{fileName} needs a trait check here");
        var path = await InputCorpus.CreateAsync(InputCorpus.Named(fileName), _work.FullName);

        assertTrait(path, await TestMedia.ProbeAsync(path, "-count_frames"));
    }

    private static double Seconds(JsonElement stream, string name) => double.Parse(stream.Text(name)!, CultureInfo.InvariantCulture);

    private static List<JsonElement> Streams(JsonElement probe) => [.. probe.GetProperty("streams").EnumerateArray()];

    private static JsonElement Video(JsonElement probe) =>
        Streams(probe).First(stream => stream.Text("codec_type") == "video" && stream.GetProperty("disposition").GetProperty("attached_pic").GetInt32() == 0);

    private static List<JsonElement> Audio(JsonElement probe) => [.. Streams(probe).Where(stream => stream.Text("codec_type") == "audio")];

    public void Dispose() => _work.Delete(recursive: true);
}
