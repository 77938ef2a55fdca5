using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace VideoConversion.Api.Quotas;

/// <summary>Refusals for a full quota: each names the limit, the account's use, and the setting.</summary>
internal static class QuotaProblems
{
    public static ProblemHttpResult TooManyActiveJobs(int active, int limit) => Problem(
        StatusCodes.Status429TooManyRequests, "Too many active jobs",
        string.Create(CultureInfo.InvariantCulture,
            $"This account has {active} jobs awaiting upload, pending or processing; the limit is {limit}. Let some finish first."),
        "active_jobs", active, limit);

    public static ProblemHttpResult StorageQuotaExceeded(long stored, long requested, long limit) => Problem(
        StatusCodes.Status413PayloadTooLarge, "Storage quota exceeded",
        string.Create(CultureInfo.InvariantCulture,
            $"This account keeps {stored:N0} bytes in storage; {requested:N0} more would pass its quota of {limit:N0} bytes."),
        "stored_bytes", stored, limit);

    /// <summary>A job whose size is not known until it is fetched: refused once the account's storage is full.</summary>
    public static ProblemHttpResult StorageQuotaFull(long stored, long limit) => Problem(
        StatusCodes.Status413PayloadTooLarge, "Storage quota exceeded",
        string.Create(CultureInfo.InvariantCulture,
            $"This account keeps {stored:N0} bytes in storage, all of its quota of {limit:N0} bytes; delete jobs to make room."),
        "stored_bytes", stored, limit);

    private static ProblemHttpResult Problem(int status, string title, string detail, string usage, long current, long limit)
    {
        var problem = TypedResults.Problem(statusCode: status, title: title, detail: detail);
        problem.ProblemDetails.Extensions["quota"] = usage;
        problem.ProblemDetails.Extensions["limit"] = limit;
        problem.ProblemDetails.Extensions["current"] = current;
        return problem;
    }
}
