using System.Net;
using VideoConversion.Api.Storage;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// S3 multipart uploads as the API drives them, against the system's storage with the API's own credentials: parts PUT
/// straight to storage with presigned part URLs, listed back with their ETags (what a resuming client asks), refused at
/// completion when one is wrong, assembled in order, and aborted leaving nothing.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class MultipartStorageTests(SystemFixture system) : IDisposable
{
    private const int PartBytes = 5 * 1024 * 1024;

    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromMinutes(2) };

    [Fact]
    public async Task Parts_sent_straight_to_storage_are_listed_checked_and_assembled_in_order()
    {
        var uploads = await UploadsAsync();
        var key = $"multipart-{Guid.NewGuid():N}.bin";
        var content = new byte[2 * PartBytes + 12_345];
        new Random(21).NextBytes(content);
        var uploadId = await uploads.CreateAsync(key, "video/mp4", CancellationToken.None);

        // Out of order, as parallel parts arrive.
        var etags = new Dictionary<int, string>();
        foreach (var number in new[] { 3, 1, 2 })
        {
            etags[number] = await PutPartAsync(uploads, key, uploadId, number, content);
        }

        var listed = await uploads.ListPartsAsync(key, uploadId, CancellationToken.None);
        Assert.NotNull(listed);
        Assert.Equal([1, 2, 3], listed.Select(part => part.Number));
        Assert.Equal([etags[1], etags[2], etags[3]], listed.Select(part => part.ETag));
        Assert.Equal([PartBytes, PartBytes, 12_345L], listed.Select(part => part.Size));

        var wrong = await Assert.ThrowsAsync<StorageRefusedException>(() => uploads.CompleteAsync(key, uploadId,
            [listed[0], listed[1] with { ETag = "0123456789abcdef0123456789abcdef" }, listed[2]], CancellationToken.None));
        Assert.Equal("InvalidPart", wrong.Code);
        Assert.Equal(2, wrong.PartNumber);

        await uploads.CompleteAsync(key, uploadId, listed, CancellationToken.None);

        using var storage = await system.StorageClientAsync();
        using var stored = new MemoryStream();
        await storage.GetObjectAsync(new Minio.DataModel.Args.GetObjectArgs().WithBucket(StorageNames.InputBucket).WithObject(key)
            .WithCallbackStream((stream, token) => stream.CopyToAsync(stored, token)));
        Assert.Equal(content, stored.ToArray());
        Assert.Null(await uploads.ListPartsAsync(key, uploadId, CancellationToken.None));
        // S3's ETag of an object assembled from parts: the MD5 of the parts' MD5s, "-", their count.
        var partDigests = listed.SelectMany(part => Convert.FromHexString(part.ETag)).ToArray();
        var assembled = await storage.StatObjectAsync(new Minio.DataModel.Args.StatObjectArgs().WithBucket(StorageNames.InputBucket).WithObject(key));
#pragma warning disable CA5351 // S3 defines the ETag with MD5; it checks identity here, not security.
        Assert.Equal($"{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(partDigests))}-3", assembled.ETag.Trim('"'));
#pragma warning restore CA5351
    }

    [Fact]
    public async Task An_aborted_upload_leaves_no_part_and_its_part_urls_stop_working()
    {
        var uploads = await UploadsAsync();
        var key = $"multipart-{Guid.NewGuid():N}.bin";
        var content = new byte[PartBytes];
        var uploadId = await uploads.CreateAsync(key, null, CancellationToken.None);
        await PutPartAsync(uploads, key, uploadId, 1, content);

        await uploads.AbortAsync(key, uploadId, CancellationToken.None);

        Assert.Null(await uploads.ListPartsAsync(key, uploadId, CancellationToken.None));
        using var late = await _client.PutAsync(new Uri(uploads.PresignPart(key, uploadId, 2, content.Length, TimeSpan.FromMinutes(5))), new ByteArrayContent(content));
        Assert.False(late.IsSuccessStatusCode, "a part was accepted for an aborted upload");
        Assert.Null(await uploads.ListPartsAsync(key, uploadId, CancellationToken.None));
        await uploads.AbortAsync(key, uploadId, CancellationToken.None); // again: no error
        Assert.False(await system.IsStoredAsync(StorageNames.InputBucket, key));
    }

    /// <summary>The API's own storage credentials, as its configuration holds them: its policy must allow every step.</summary>
    private Task<MultipartUploads> UploadsAsync() => system.ApiMultipartUploadsAsync(_client);

    private async Task<string> PutPartAsync(MultipartUploads uploads, string key, string uploadId, int number, byte[] content)
    {
        var offset = (number - 1) * PartBytes;
        var length = Math.Min(PartBytes, content.Length - offset);
        using var response = await _client.PutAsync(new Uri(uploads.PresignPart(key, uploadId, number, length, TimeSpan.FromMinutes(5))),
            new ByteArrayContent(content, offset, length));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.ETag!.Tag.Trim('"');
    }

    public void Dispose() => _client.Dispose();
}
