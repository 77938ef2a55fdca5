namespace VideoConversion.Web.Jobs;

/// <summary>The person's sign-in is missing or has expired: the page sends them to sign in again.</summary>
public sealed class SignInRequiredException()
    : JobsApiException("Your sign-in has expired. Sign in again to go on.");
