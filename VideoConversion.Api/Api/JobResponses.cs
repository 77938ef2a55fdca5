using VideoConversion.Api.Jobs;
using VideoConversion.Api.Storage;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Api.Api;

internal static class JobResponses
{
    public static async Task<JobResponse> FromAsync(Job job, VideoStorage storage, DateTimeOffset now, TimeSpan stallLimit)
    {
        // A fresh, short-lived download URL on every read: nothing long-lived is stored or leaked.
        var outputUrl = job.Status == JobStatus.Done
            ? await storage.PresignDownloadAsync(StorageNames.OutputBucket, StorageNames.OutputKey(job.Id))
            : null;

        return new JobResponse(
            job.Id, job.Status, job.Progress, job.CreatedAt, job.SubmittedAt, job.StartedAt, job.FinishedAt, job.Error,
            outputUrl, job.FileName, job.InputBytes, job.OutputBytes, job.Attempts, job.ConversionMethod,
            job.IsStalled(now, stallLimit), outputUrl is null ? null : now + storage.DownloadUrlLifetime, job.OutputDurationSeconds, job.InputUrl, job.UploadedAt);
    }
}
