using System.Text.Json;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Playback;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;

namespace VideoConversion.Api.Api;

internal static class JobResponses
{
    public static async Task<JobResponse> FromAsync(Job job, JobServices services)
    {
        var now = services.Time.GetUtcNow();
        var storage = services.Storage;
        var asked = job.OutputList;
        var done = job.Status == JobStatus.Done;

        // A fresh, short-lived download URL on every read: nothing long-lived is stored or leaked.
        var outputUrl = done && asked.Contains(OutputKinds.Mp4)
            ? await storage.PresignDownloadAsync(StorageNames.OutputBucket, StorageNames.OutputKey(job.Id))
            : null;
        DateTimeOffset? urlExpiresAt = done ? now + storage.DownloadUrlLifetime : null;

        return new JobResponse(
            job.Id, job.Status, job.Progress, job.CreatedAt, job.SubmittedAt, job.StartedAt, job.FinishedAt, job.Error,
            outputUrl, job.FileName, job.InputBytes, job.OutputBytes, job.Attempts, job.ConversionMethod,
            job.IsStalled(now, services.JobOptions.Value.StallLimit), outputUrl is null ? null : urlExpiresAt, job.OutputDurationSeconds, job.InputUrl,
            job.UploadedAt, await OutputsAsync(job, asked, services, outputUrl, urlExpiresAt));
    }

    private static async Task<JobOutputsResponse> OutputsAsync(
        Job job, IReadOnlyList<string> asked, JobServices services, string? outputUrl, DateTimeOffset? urlExpiresAt)
    {
        var done = job.Status == JobStatus.Done;
        var facts = done && job.OutputFacts is { } json ? JsonSerializer.Deserialize<JobOutputs>(json, MessageSerializer.Options) : null;

        // Playback links carry their own permission, for players that send no credentials (see PlaybackApi).
        string? token = null;
        DateTimeOffset? linkExpiresAt = null;
        if (done && (asked.Contains(OutputKinds.Hls) || asked.Contains(OutputKinds.Storyboard)))
        {
            (token, var expiresAt) = services.Playback.Issue(job.Id);
            linkExpiresAt = expiresAt;
        }

        string? Link(string file) => token is null ? null : PlaybackApi.Link(services.Http.Request, job.Id, token, file);

        var mp4 = asked.Contains(OutputKinds.Mp4)
            ? new Mp4OutputResponse(outputUrl, outputUrl is null ? null : urlExpiresAt,
                facts?.Mp4?.Bytes ?? (done && asked.Count == 1 ? job.OutputBytes : null), facts?.Mp4?.Width, facts?.Mp4?.Height)
            : null;
        var hls = asked.Contains(OutputKinds.Hls)
            ? new HlsOutputResponse(Link(PlaybackApi.MasterPlaylistPath), linkExpiresAt, facts?.Hls?.Renditions, facts?.Hls?.Audio,
                facts?.Hls?.SegmentSeconds, facts?.Hls?.Bytes)
            : null;
        var posterUrl = done && asked.Contains(OutputKinds.Poster)
            ? await services.Storage.PresignDownloadAsync(StorageNames.OutputBucket, StorageNames.OutputFileKey(job.Id, StorageNames.PosterFile))
            : null;
        var poster = asked.Contains(OutputKinds.Poster)
            ? new PosterOutputResponse(posterUrl, posterUrl is null ? null : urlExpiresAt, facts?.Poster?.Width, facts?.Poster?.Height, facts?.Poster?.Bytes)
            : null;
        var storyboard = asked.Contains(OutputKinds.Storyboard)
            ? new StoryboardOutputResponse(Link(StorageNames.StoryboardIndex), linkExpiresAt, facts?.Storyboard?.TileWidth, facts?.Storyboard?.TileHeight,
                facts?.Storyboard?.IntervalSeconds, facts?.Storyboard?.Tiles, facts?.Storyboard?.Bytes)
            : null;
        return new JobOutputsResponse(mp4, hls, poster, storyboard);
    }
}
