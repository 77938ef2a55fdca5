using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.UnitTests.Conversion;

public class FFprobeOutputTests
{
    [Fact]
    public void Streams_format_and_duration_are_read()
    {
        var media = FFprobeOutput.Parse("""
            {"streams":[
              {"index":0,"codec_type":"video","codec_name":"h264","profile":"High","pix_fmt":"yuv420p","width":1920,"height":1080,
               "sample_aspect_ratio":"1:1","field_order":"progressive","avg_frame_rate":"30000/1001","nb_frames":"300","duration":"10.010000",
               "disposition":{"default":1,"attached_pic":0}},
              {"index":1,"codec_type":"audio","codec_name":"aac","profile":"LC","channels":2,"sample_rate":"48000","disposition":{"default":1}},
              {"index":2,"codec_type":"subtitle","codec_name":"mov_text"}],
             "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"10.020000"}}
            """);

        Assert.True(media.IsFormat("mp4"));
        Assert.Equal(TimeSpan.FromSeconds(10.02), media.Duration);
        var video = Assert.Single(media.VideoStreams);
        Assert.Equal(("h264", "High", "yuv420p", 1920, 1080), (video.CodecName, video.Profile, video.PixelFormat, video.Width, video.Height));
        Assert.Equal(300, video.FrameCount);
        Assert.Equal(29.97, video.AverageFrameRate!.Value, 2);
        Assert.True(video.IsDefault);
        var audio = Assert.Single(media.AudioStreams);
        Assert.Equal((2, 48_000), (audio.Channels, audio.SampleRate));
        Assert.Equal(StreamKind.Other, media.Streams[2].Kind);
    }

    [Fact]
    public void Rotation_comes_from_the_display_matrix_or_the_older_rotate_tag()
    {
        var matrix = FFprobeOutput.Parse("""{"streams":[{"codec_type":"video","side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]}],"format":{}}""");
        var tag = FFprobeOutput.Parse("""{"streams":[{"codec_type":"video","tags":{"rotate":"180"}}],"format":{}}""");

        Assert.Equal(270, matrix.Streams[0].Rotation);
        Assert.True(matrix.Streams[0].IsQuarterTurned);
        Assert.Equal(180, tag.Streams[0].Rotation);
        Assert.False(tag.Streams[0].IsQuarterTurned);
    }

    [Fact]
    public void Matroska_stream_durations_come_from_tags_and_unknown_values_stay_unknown()
    {
        var media = FFprobeOutput.Parse("""
            {"streams":[{"codec_type":"video","sample_aspect_ratio":"0:1","avg_frame_rate":"0/0","field_order":"tt",
              "tags":{"DURATION":"00:01:02.500000000"},"disposition":{"attached_pic":1}}],
             "format":{"format_name":"matroska,webm","duration":"N/A"}}
            """);

        var stream = media.Streams[0];
        Assert.Equal(TimeSpan.FromSeconds(62.5), stream.Duration);
        Assert.Equal(1, stream.SampleAspectRatio);
        Assert.Null(stream.AverageFrameRate);
        Assert.Null(media.Duration);
        Assert.True(stream.IsInterlaced);
        Assert.Empty(media.VideoStreams); // a cover picture is not video
    }

    [Fact]
    public void A_matroska_duration_tag_is_where_the_stream_ends_so_a_late_start_is_taken_off()
    {
        var media = FFprobeOutput.Parse("""
            {"streams":[{"codec_type":"audio","start_time":"0.979000","tags":{"DURATION":"00:00:03.000000000"}},
                        {"codec_type":"video","color_transfer":"smpte2084","start_time":"0.000000","duration":"2.000000"}],
             "format":{"format_name":"matroska,webm"}}
            """);

        Assert.Equal(TimeSpan.FromSeconds(0.979), media.Streams[0].StartTime);
        Assert.Equal(TimeSpan.FromSeconds(2.021), media.Streams[0].Duration);
        Assert.Equal(TimeSpan.FromSeconds(2), media.Streams[1].Duration);
        Assert.True(media.Streams[1].IsHdr);
    }

    [Theory]
    [InlineData("[hls @ 0x55d0c2a0b280] Format not on whitelist 'mov,matroska'\ninput.mp4: Invalid argument", "The file is an HLS playlist, not")]
    [InlineData("[concat @ 0x55c8f6002280] Format not on whitelist 'mov'\n", "The file is an FFmpeg concat list, not")]
    [InlineData("[png_pipe @ 0x1] Format not on whitelist 'mov'\n", "The file is a still image, not")]
    [InlineData("[http @ 0x1] Protocol 'http' not on whitelist 'file,pipe'!\n", "The file refers to other files or network addresses")]
    [InlineData("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found\ninput.mp4: Invalid data found when processing input", "The file is not a video in a supported format")]
    public void Ffprobe_errors_become_sentences_for_the_uploader(string standardError, string expectedStart)
    {
        Assert.StartsWith(expectedStart, MediaProbe.Explain(standardError), StringComparison.Ordinal);
    }
}
