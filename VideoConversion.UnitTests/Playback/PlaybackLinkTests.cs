using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Playback;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.UnitTests.Jobs;

namespace VideoConversion.UnitTests.Playback;

/// <summary>Playback links: their token is the permission, for one job, until it expires; their playlists are signed per answer.</summary>
public sealed class PlaybackLinkTests
{
    private static readonly StorageConnection Storage = new(new Uri("http://storage:9000"), "api", "a-secret-of-the-apis-storage-user");

    private readonly ManualClock _time = new();

    private PlaybackTokens Tokens(StorageConnection? storage = null) =>
        new(storage ?? Storage, _time, Options.Create(new PlaybackOptions { LinkLifetime = TimeSpan.FromHours(1) }));

    [Fact]
    public void A_token_plays_its_job_until_it_expires()
    {
        var tokens = Tokens();
        var (token, expires) = tokens.Issue("job-1");

        Assert.Equal(_time.GetUtcNow().AddHours(1), expires);
        Assert.True(tokens.IsValid("job-1", token));
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.True(tokens.IsValid("job-1", token));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(tokens.IsValid("job-1", token));
    }

    [Fact]
    public void A_token_plays_no_other_job_and_no_changed_one_is_accepted()
    {
        var tokens = Tokens();
        var (token, _) = tokens.Issue("job-1");
        var dash = token.IndexOf('-', StringComparison.Ordinal);
        var later = $"{long.Parse(token[..dash], System.Globalization.CultureInfo.InvariantCulture) + 3600}{token[dash..]}";

        Assert.False(tokens.IsValid("job-2", token));
        Assert.False(tokens.IsValid("job-1", later)); // a later expiry, the same signature
        Assert.False(tokens.IsValid("job-1", token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        Assert.False(tokens.IsValid("job-1", "0" + token)); // the same expiry written otherwise
        Assert.False(tokens.IsValid("job-1", "garbage"));
        Assert.False(tokens.IsValid("job-1", ""));
        // Another system (another storage secret) signs differently.
        Assert.False(Tokens(Storage with { SecretKey = "another-secret-entirely-of-24" }).IsValid("job-1", token));
    }

    [Fact]
    public void A_media_playlist_gets_every_segment_and_its_init_signed_and_names_nothing_else()
    {
        const string playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"720p_init.mp4\"\n#EXTINF:4.000000,\n720p_0000.m4s\n#EXTINF:1.5,\n720p_0001.m4s\n#EXT-X-ENDLIST\n";

        var signed = SignedPlaylists.MediaPlaylist(playlist, file => $"https://storage/output/job/hls/{file}?X-Amz-Signature=s");

        Assert.Contains("#EXT-X-MAP:URI=\"https://storage/output/job/hls/720p_init.mp4?X-Amz-Signature=s\"", signed, StringComparison.Ordinal);
        Assert.Contains("\nhttps://storage/output/job/hls/720p_0000.m4s?X-Amz-Signature=s\n", signed, StringComparison.Ordinal);
        Assert.Contains("#EXTINF:1.5,\nhttps://storage/output/job/hls/720p_0001.m4s?X-Amz-Signature=s\n", signed, StringComparison.Ordinal);
        Assert.EndsWith("#EXT-X-ENDLIST\n", signed, StringComparison.Ordinal);

        foreach (var hostile in new[] { "../input/job.mp4", "http://elsewhere/x.m4s", "sub/720p_0000.m4s", "720p.m3u8" })
        {
            Assert.Throws<InvalidDataException>(() => SignedPlaylists.MediaPlaylist($"#EXTM3U\n#EXTINF:4,\n{hostile}\n", file => file));
        }
    }

    [Fact]
    public void A_storyboard_keeps_each_cues_fragment_on_its_signed_sheet()
    {
        var signed = SignedPlaylists.Storyboard("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsheet001.jpg#xywh=160,0,160,90\n", file => $"https://s/{file}?sig");

        Assert.Contains("\nhttps://s/sheet001.jpg?sig#xywh=160,0,160,90\n", signed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/playback/job-1/1767225600-abcDEF_-12/hls/master.m3u8", "/playback/job-1/{token}/hls/master.m3u8")]
    [InlineData("http://api/playback/job-1/1767225600-abc/storyboard.vtt", "http://api/playback/job-1/{token}/storyboard.vtt")]
    [InlineData("/jobs/job-1", null)]
    public void The_token_is_taken_out_of_traced_paths(string path, string? redacted)
    {
        Assert.Equal(redacted, PlaybackLinkRedaction.Redact(path));
    }
}
