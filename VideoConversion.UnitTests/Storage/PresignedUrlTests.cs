using VideoConversion.Api.Storage;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.UnitTests.Storage;

/// <summary>A presigned URL is signed for its host, so it must name the host the browser will call.</summary>
public class PresignedUrlTests
{
    private static readonly StorageConnection Internal = new(new Uri("http://storage:9000"), "access", "secret-secret");

    private static VideoStorage Storage(Uri? publicEndpoint) => new(
        ObjectStorageExtensions.CreateClient(Internal.Endpoint, Internal),
        Internal,
        Microsoft.Extensions.Options.Options.Create(new UploadOptions { PublicEndpoint = publicEndpoint }),
        TimeProvider.System);

    [Fact]
    public async Task Upload_and_download_urls_name_the_public_endpoint_when_one_is_set()
    {
        var storage = Storage(new Uri("https://media.example.com"));

        var upload = new Uri((await storage.PresignUploadAsync("job.mp4", DateTimeOffset.UnixEpoch, sizeBytes: null)).Url);
        var download = new Uri(await storage.PresignDownloadAsync(StorageNames.OutputBucket, "job.mp4"));

        Assert.All([upload, download], url => Assert.Equal(("https", "media.example.com"), (url.Scheme, url.Host)));
        Assert.Contains("X-Amz-Signature=", upload.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_public_endpoint_urls_name_the_internal_one()
    {
        var upload = new Uri((await Storage(null).PresignUploadAsync("job.mp4", DateTimeOffset.UnixEpoch, sizeBytes: null)).Url);
        Assert.Equal(("storage", 9000), (upload.Host, upload.Port));
    }

    [Fact]
    public async Task An_upload_with_a_declared_size_is_signed_for_that_content_length_and_the_public_host()
    {
        var upload = new Uri((await Storage(new Uri("https://media.example.com")).PresignUploadAsync("job.mp4", DateTimeOffset.UnixEpoch, sizeBytes: 1234)).Url);
        Assert.Equal(("https", "media.example.com", "/input/job.mp4"), (upload.Scheme, upload.Host, upload.AbsolutePath));
        Assert.Contains("X-Amz-SignedHeaders=content-length%3Bhost", upload.Query, StringComparison.Ordinal);
        Assert.Matches("X-Amz-Signature=[0-9a-f]{64}$", upload.Query);
    }
}
