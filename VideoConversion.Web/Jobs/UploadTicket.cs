namespace VideoConversion.Web.Jobs;

/// <summary>
/// The API's answer to POST /upload/request: one PUT to <paramref name="PresignedUrl"/>, or, when
/// <paramref name="UploadType"/> is "multipart", <paramref name="PartCount"/> parts of <paramref name="PartSize"/> bytes
/// (the last one shorter) whose URLs the page asks for as it goes.
/// </summary>
/// <param name="PresignedUrl">Null for a file too large for one PUT.</param>
public sealed record UploadTicket(
    string JobId,
    string? PresignedUrl,
    DateTimeOffset ExpiresAt,
    string UploadType = UploadTicket.OnePut,
    long? PartSize = null,
    int? PartCount = null)
{
    /// <summary>The API's names of the two kinds of upload.</summary>
    public const string OnePut = "single";

    public const string Multipart = "multipart";

    public bool IsMultipart => UploadType == Multipart;
}
