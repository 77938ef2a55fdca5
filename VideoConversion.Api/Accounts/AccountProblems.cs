using Microsoft.AspNetCore.Http.HttpResults;

namespace VideoConversion.Api.Accounts;

/// <summary>RFC 7807 problems of the account endpoints. Each names what is wrong.</summary>
internal static class AccountProblems
{
    /// <summary>A bad field, named as every 400 names it (with <c>field</c>).</summary>
    public static ProblemHttpResult InvalidField(string field, string detail) => Api.JobProblems.InvalidField(field, detail);

    public static ProblemHttpResult UnknownKey(string keyId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown API key", detail: $"There is no API key with id '{keyId}'.");

    public static ProblemHttpResult AccountRefused(string userName, IReadOnlyList<string> reasons) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Account not created",
            detail: $"The account '{userName}' was not created: {string.Join(" ", reasons)}");

    public static ProblemHttpResult SignInAgain() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Sign in again",
            detail: "Sign-ins are not refreshed: when a session ends, sign in again at POST /auth/login.");

    public static ProblemHttpResult PersonOnly() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
            detail: "An API key cannot manage the account or its keys; sign in as the person who owns it.");

    public static ProblemHttpResult RegistrationClosed() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Registration is closed",
            detail: "Accounts are created by an administrator here (Accounts:AllowSelfRegistration is off).");
}
