namespace VideoConversion.Tests.Support;

/// <summary>
/// A system whose retention times are seconds, not days, so its sweeper can be watched at work:
/// upload URLs live <see cref="UploadUrlLifetime"/>, outputs <see cref="OutputRetention"/>.
/// </summary>
public sealed class RetentionSystemFixture() : SystemFixture(Shape)
{
    /// <summary>Long enough to request, PUT and submit a small file on a loaded machine.</summary>
    public static readonly TimeSpan UploadUrlLifetime = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan OutputRetention = TimeSpan.FromSeconds(20);

    /// <summary>How long the segment URLs of a served playlist work: short, so that a test sees them expire and renewed.</summary>
    public static readonly TimeSpan SegmentUrlLifetime = TimeSpan.FromSeconds(5);

    private static SystemShape Shape => new(
        "videoconversion-retention-",
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [ApiService] = new Dictionary<string, string>
            {
                ["Uploads__UploadUrlLifetime"] = UploadUrlLifetime.ToString(),
                // An upload in parts is abandoned as soon as an upload in one PUT would be.
                ["Uploads__MultipartIdleLifetime"] = UploadUrlLifetime.ToString(),
                ["Retention__UploadGracePeriod"] = "00:00:05",
                // Outputs are removed once no download link signed before they expired can still work.
                ["Uploads__DownloadUrlLifetime"] = "00:00:10",
                ["Retention__InputsAfter"] = "00:00:05",
                ["Retention__Outputs"] = OutputRetention.ToString(),
                ["Retention__SweepInterval"] = "00:00:01",
                ["Playback__SegmentUrlLifetime"] = SegmentUrlLifetime.ToString(),
            },
        },
        ExportsTelemetry: false,
        RoutesStorageThroughProxy: false,
        HealthyBeforeTests: [ApiService, Worker]);
}

[CollectionDefinition(Name)]
public sealed class RetentionSystem : ICollectionFixture<RetentionSystemFixture>
{
    public const string Name = "Retention system";
}
