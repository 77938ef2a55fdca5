namespace VideoConversion.Web.Jobs;

/// <summary>The API refused a request or could not be reached; the message is fit to show on the page.</summary>
public class JobsApiException(string message, Exception? inner = null) : Exception(message, inner);
