namespace VideoConversion.Web.Jobs;

/// <summary>The API refused a request or could not be reached; the message is fit to show on the page.</summary>
/// <param name="status">The API's HTTP status when it answered with a problem; null when it did not answer.</param>
public class JobsApiException(string message, Exception? inner = null, int? status = null) : Exception(message, inner)
{
    public int? Status { get; } = status;

    /// <summary>The API refused the request itself (a 4xx other than 429): asking the same again gets the same answer.</summary>
    public bool IsRefusal => Status is >= 400 and < 500 and not 429;
}
