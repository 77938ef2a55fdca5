using VideoConversion.Contracts.Outputs;
using VideoConversion.Worker.Conversion.Outputs;

namespace VideoConversion.UnitTests.Outputs;

public class MediaPlaylistTests
{
    [Fact]
    public void A_vod_playlist_from_ffmpeg_is_read()
    {
        var playlist = MediaPlaylist.Parse(
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n" +
            "#EXT-X-MAP:URI=\"720p_init.mp4\"\n#EXTINF:4.000000,\n720p_0000.m4s\n#EXTINF:2.500000,\n720p_0001.m4s\n#EXT-X-ENDLIST\n");

        Assert.Equal(4, playlist.TargetDuration);
        Assert.Equal("720p_init.mp4", playlist.InitSegment);
        Assert.Equal([new PlaylistSegment(4, "720p_0000.m4s"), new PlaylistSegment(2.5, "720p_0001.m4s")], playlist.Segments);
        Assert.True(playlist.Ended);
        Assert.Equal(6.5, playlist.Duration);
    }

    [Fact]
    public void Something_else_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => MediaPlaylist.Parse("WEBVTT\n"));
    }

    [Fact]
    public void The_master_playlist_states_every_attribute_players_choose_by()
    {
        var master = HlsMasterPlaylist.Write(new HlsOutput(
            [
                new HlsRendition("720p", 1280, 720, 2_400_000, 1_900_000, "avc1.64001f,mp4a.40.2", 29.97, 5),
                new HlsRendition("360p", 640, 360, 900_000, 700_000, "avc1.64001e,mp4a.40.2", 29.97, 5),
            ],
            new HlsAudio("audio", "mp4a.40.2", 2, 48_000, 130_000, 128_000), 4, 1_000));

        Assert.Contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio.m3u8\"\n", master, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-STREAM-INF:BANDWIDTH=2400000,AVERAGE-BANDWIDTH=1900000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"," +
            "FRAME-RATE=29.970,AUDIO=\"audio\"\n720p.m3u8\n", master, StringComparison.Ordinal);
        Assert.Contains("\n360p.m3u8\n", master, StringComparison.Ordinal);
    }
}
