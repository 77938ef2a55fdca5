namespace VideoConversion.Api.Jobs;

public static class JobLimits
{
    public const int FileNameLength = 255;
    public const int ContentTypeLength = 127;
    public const int ErrorLength = 2000;
    public const int ConversionMethodLength = 64;

    /// <summary>S3 ETags are 32 hex digits, plus "-N" for multipart uploads; room to spare.</summary>
    public const int ETagLength = 80;

    /// <summary>Identity's account ids are GUIDs (36 characters); room to spare.</summary>
    public const int AccountIdLength = 64;
}
