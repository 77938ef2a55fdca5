using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Quotas;

/// <summary>What an account holds now: its active jobs, and the bytes its jobs keep in storage.</summary>
public sealed record AccountUsage(int ActiveJobs, long StoredBytes)
{
    public static async Task<AccountUsage> OfAsync(JobsDbContext db, string ownerId, CancellationToken cancellationToken)
    {
        var jobs = db.Jobs.AsNoTracking().Where(job => job.OwnerId == ownerId);
        var active = await jobs.CountAsync(
            job => job.Status == JobStatus.AwaitingUpload || job.Status == JobStatus.Pending || job.Status == JobStatus.Processing,
            cancellationToken);
        // An input counts from its request (its declared size, then its real one) until retention removes it;
        // an output from when it is made until retention removes it.
        var stored = await jobs.SumAsync(job =>
            (job.InputDeletedAt == null ? job.InputBytes ?? job.DeclaredBytes ?? 0L : 0L) +
            (job.OutputDeletedAt == null ? job.OutputBytes ?? 0L : 0L), cancellationToken);
        return new AccountUsage(active, stored);
    }
}
