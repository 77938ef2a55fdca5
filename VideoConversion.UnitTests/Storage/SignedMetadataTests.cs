using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.UnitTests.Storage;

/// <summary>
/// Metadata an object is stored with is signed with its request (S3 refuses x-amz-* headers left unsigned), in SigV4's
/// canonical form, so that storage, which canonicalises what it receives the same way, computes the same signature.
/// </summary>
public class SignedMetadataTests
{
    private static readonly StorageConnection Storage = new(new Uri("http://storage:9000"), "access", "secret-secret");

    private static readonly TimeProvider Now = new FixedTime(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Metadata_is_among_the_signed_headers_after_the_length_and_host()
    {
        var url = new Uri(Sign(new Dictionary<string, string> { ["X-Amz-Meta-Conversion-Method"] = "remux" }));

        Assert.Contains("X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-meta-conversion-method", url.Query, StringComparison.Ordinal);
        Assert.NotEqual(Signature(url.ToString()), Signature(Sign(new Dictionary<string, string> { ["x-amz-meta-conversion-method"] = "transcode" })));
    }

    [Fact]
    public void A_value_is_signed_as_storage_reads_it_trimmed_and_with_runs_of_spaces_as_one()
    {
        Assert.Equal(
            Signature(Sign(new Dictionary<string, string> { ["x-amz-meta-note"] = "a b" })),
            Signature(Sign(new Dictionary<string, string> { ["x-amz-meta-note"] = "  a   b " })));
    }

    [Theory]
    [InlineData("host", "elsewhere")]
    [InlineData("content-length", "1")]
    [InlineData("x-amz-meta-note", "café")]
    [InlineData("x-amz-meta-note", "line\nbreak")]
    public void Anything_but_printable_metadata_is_refused(string name, string value) =>
        Assert.Throws<ArgumentException>(() => Sign(new Dictionary<string, string> { [name] = value }));

    private static string Sign(IReadOnlyDictionary<string, string> headers) =>
        new PresignedUrlSigner(Storage, Storage.Endpoint, Now)
            .Presign(HttpMethod.Put, "output", "job.mp4", TimeSpan.FromMinutes(5), contentLength: 1234, headers: headers);

    private static string Signature(string url) => url[(url.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + "X-Amz-Signature=".Length)..];

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
