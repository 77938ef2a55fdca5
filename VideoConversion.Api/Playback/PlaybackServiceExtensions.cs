namespace VideoConversion.Api.Playback;

public static class PlaybackServiceExtensions
{
    /// <summary>Playback links (HLS playlists, storyboard indexes) signed with a key of their own, and the stored playlists they serve.</summary>
    public static IHostApplicationBuilder AddPlayback(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PlaybackOptions>()
            .BindConfiguration(PlaybackOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<PlaybackTokens>();
        builder.Services.AddSingleton<StoredPlaylists>();
        return builder;
    }
}
