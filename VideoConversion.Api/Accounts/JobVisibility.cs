using System.Security.Claims;
using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// The jobs a caller may see: its own; an administrator, all; a deleted one, no one. Every job read goes
/// through this, so another owner's job is simply not found (404, exactly as an unknown id).
/// </summary>
public static class JobVisibility
{
    public static IQueryable<Job> VisibleTo(this IQueryable<Job> jobs, ClaimsPrincipal caller)
    {
        var kept = jobs.Where(job => job.DeletedAt == null);
        if (caller.IsAdministrator())
        {
            return kept;
        }

        var owner = caller.AccountId();
        return kept.Where(job => job.OwnerId == owner);
    }
}
