namespace VideoConversion.Api.Jobs;

public static class JobLimits
{
    public const int FileNameLength = 255;
    public const int ContentTypeLength = 127;
    public const int ErrorLength = 2000;
    public const int ConversionMethodLength = 64;
}
