using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.RateLimits;
using VideoConversion.Api.Storage;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Storage;

namespace VideoConversion.Api.Playback;

/// <summary>
/// What players fetch: a job's HLS playlists and storyboard index, by the links in its answer. The link's token is
/// the permission (players send no credentials); each media playlist and index is signed afresh on every fetch, so a
/// player that comes back after its segment URLs expired gets working ones. Segments and sheets come from storage.
/// </summary>
public static partial class PlaybackApi
{
    public const string MasterPlaylistPath = "hls/" + StorageNames.HlsMasterPlaylist;

    public static IEndpointRouteBuilder MapPlaybackApi(this IEndpointRouteBuilder app)
    {
        var playback = app.MapGroup("/playback/{jobId}/{token}").WithTags("Playback").AllowAnonymous()
            .RequireRateLimiting(RateLimitServiceExtensions.PerAddress)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        playback.MapGet("/hls/{playlist}", GetPlaylist)
            .Produces<string>(StatusCodes.Status200OK, "application/vnd.apple.mpegurl")
            .WithName(nameof(GetPlaylist))
            .WithSummary("An HLS playlist of a job: master.m3u8, or a rendition's, with signed segment URLs")
            .WithDescription("Fetched by players through outputs.hls.url of GET /jobs/{id}; the link itself is the permission, until it expires.");
        playback.MapGet("/" + StorageNames.StoryboardIndex, GetStoryboard)
            .Produces<string>(StatusCodes.Status200OK, "text/vtt")
            .WithName(nameof(GetStoryboard))
            .WithSummary("The storyboard's WebVTT index of a job, with signed sprite sheet URLs");
        return app;
    }

    /// <summary>The link a job's answer gives players: absolute, on the host the caller reached the API by.</summary>
    public static string Link(HttpRequest request, string jobId, string token, string file) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/playback/{Uri.EscapeDataString(jobId)}/{token}/{file}";

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetPlaylist(
        string jobId, string token, string playlist, HttpContext http, PlaybackTokens tokens, JobsDbContext db,
        StoredPlaylists stored, VideoStorage storage, IOptions<PlaybackOptions> options, CancellationToken cancellationToken)
    {
        Playable(http);
        if (!PlaylistName().IsMatch(playlist))
        {
            return PlaybackProblems.UnknownFile(playlist);
        }

        if (await RefusalAsync(jobId, token, OutputKinds.Hls, tokens, db, cancellationToken) is { } refused)
        {
            return refused;
        }

        var text = await stored.ReadAsync(jobId, $"{StorageNames.HlsFolder}/{playlist}", cancellationToken);
        if (text is null)
        {
            return PlaybackProblems.UnknownFile(playlist);
        }

        // The master names its renditions' playlists relatively: they resolve to this same link. A media playlist
        // names its segments relatively too, which become storage URLs signed for this answer.
        if (playlist != StorageNames.HlsMasterPlaylist)
        {
            var lifetime = options.Value.SegmentUrlLifetime;
            text = SignedPlaylists.MediaPlaylist(text, file => storage.PresignPlayback(StorageNames.OutputFileKey(jobId, $"{StorageNames.HlsFolder}/{file}"), lifetime));
        }

        return TypedResults.Text(text, "application/vnd.apple.mpegurl");
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetStoryboard(
        string jobId, string token, HttpContext http, PlaybackTokens tokens, JobsDbContext db,
        StoredPlaylists stored, VideoStorage storage, IOptions<PlaybackOptions> options, CancellationToken cancellationToken)
    {
        Playable(http);
        if (await RefusalAsync(jobId, token, OutputKinds.Storyboard, tokens, db, cancellationToken) is { } refused)
        {
            return refused;
        }

        var text = await stored.ReadAsync(jobId, $"{StorageNames.StoryboardFolder}/{StorageNames.StoryboardIndex}", cancellationToken);
        if (text is null)
        {
            return PlaybackProblems.UnknownFile(StorageNames.StoryboardIndex);
        }

        var lifetime = options.Value.SegmentUrlLifetime;
        return TypedResults.Text(
            SignedPlaylists.Storyboard(text, file => storage.PresignPlayback(StorageNames.OutputFileKey(jobId, $"{StorageNames.StoryboardFolder}/{file}"), lifetime)),
            "text/vtt");
    }

    /// <summary>Why the link does not play: a bad or expired token, or a job that is not DONE with this output (any more).</summary>
    private static async Task<ProblemHttpResult?> RefusalAsync(
        string jobId, string token, string output, PlaybackTokens tokens, JobsDbContext db, CancellationToken cancellationToken)
    {
        // The token first: without a valid one, nothing is said about whether the job exists.
        if (!JobId.IsWellFormed(jobId) || !tokens.IsValid(jobId, token))
        {
            return PlaybackProblems.LinkExpired(jobId);
        }

        var job = await db.Jobs.AsNoTracking().Where(j => j.Id == jobId && j.DeletedAt == null)
            .Select(j => new { j.Status, j.Outputs }).SingleOrDefaultAsync(cancellationToken);
        if (job is null)
        {
            return PlaybackProblems.Gone(jobId, "deleted");
        }

        if (job.Status == JobStatus.Expired)
        {
            return PlaybackProblems.Gone(jobId, "expired, and its outputs removed");
        }

        return job.Status != JobStatus.Done || !OutputKinds.Split(job.Outputs).Contains(output)
            ? PlaybackProblems.NotPlayable(jobId, output)
            : null;
    }

    /// <summary>
    /// Any page may play it (the token is the permission, no cookies are involved), and read why not; signed URLs must not be
    /// cached past their life.
    /// </summary>
    private static void Playable(HttpContext http)
    {
        http.Response.Headers.AccessControlAllowOrigin = "*";
        http.Response.Headers.CacheControl = "no-store";
    }

    [GeneratedRegex("^[a-z0-9]+\\.m3u8$")]
    private static partial Regex PlaylistName();
}
