using Microsoft.AspNetCore.Http.HttpResults;

namespace VideoConversion.Api.Playback;

/// <summary>RFC 7807 problems of playback links.</summary>
internal static class PlaybackProblems
{
    public static ProblemHttpResult LinkExpired(string jobId) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden, title: "Playback link expired or invalid",
        detail: $"This playback link of job '{jobId}' has expired or was not issued by this system. Read the job (GET /jobs/{jobId}) for a new one.");

    public static ProblemHttpResult Gone(string jobId, string what) => TypedResults.Problem(
        statusCode: StatusCodes.Status410Gone, title: "Video no longer available",
        detail: $"Job '{jobId}' was {what}: there is nothing left to play.");

    public static ProblemHttpResult NotPlayable(string jobId, string output) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Output not available",
        detail: $"Job '{jobId}' has no '{output}' output to play: it was not asked for, or the job is not DONE.");

    public static ProblemHttpResult UnknownFile(string file) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Unknown playback file",
        detail: $"'{file}' is not a file of this job's playback.");
}
