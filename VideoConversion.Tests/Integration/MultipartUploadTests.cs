using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Contracts.Storage;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// Multipart uploads through the public API, as a client integrates them: part URLs asked for in batches, parts PUT
/// straight to storage, a resume that asks storage which parts it holds, completion (storage assembles the file) and the
/// job going on to DONE; a wrong part named at completion, and an abort that leaves storage nothing.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class MultipartUploadTests(SystemFixture system) : IDisposable
{
    private static readonly int[] OneOutside = [1, 4];
    private static readonly int[] FirstPart = [1];

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-multipart-");
    private readonly HttpClient _storage = new() { Timeout = TimeSpan.FromMinutes(2) };
    private long _sentBytes;

    [Fact]
    public async Task A_video_in_three_parts_is_assembled_by_storage_and_converted()
    {
        var input = await VideoOfPartsAsync(3);
        var (jobId, partCount) = await RequestAsync(input);
        Assert.Equal(3, partCount);

        var etags = await SendPartsAsync(jobId, input, [1, 2, 3]);
        using var completed = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/complete", new { parts = Parts(etags) });
        Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);
        // Asked again (its answer lost on the way): the same upload, the same job, no error.
        using var again = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/complete", new { parts = Parts(etags) });
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);

        var (job, seen) = await system.Api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.True(job.GetProperty("status").GetString() == "DONE", $"statuses: {string.Join(" → ", seen)}; error {job.GetProperty("error")}");
        Assert.Equal(new FileInfo(input).Length, job.GetProperty("input_bytes").GetInt64());
    }

    [Fact]
    public async Task A_resumed_upload_sends_only_the_parts_storage_does_not_hold()
    {
        var input = await VideoOfPartsAsync(5);
        var (jobId, partCount) = await RequestAsync(input);
        Assert.Equal(5, partCount);

        // Two parts, then the connection is gone (the client stops); later it asks what storage holds.
        var receivedBefore = system.PublicStorageProxy.BytesFromClients;
        var first = await SendPartsAsync(jobId, input, [1, 2]);
        var held = await system.Api.GetFromJsonAsync<JsonElement>($"/uploads/{jobId}/parts");
        var holding = held.GetProperty("parts").EnumerateArray()
            .ToDictionary(part => part.GetProperty("part_number").GetInt32(), part => part.GetProperty("etag").GetString()!);
        Assert.Equal(first, holding);

        var rest = await SendPartsAsync(jobId, input, [.. Enumerable.Range(1, partCount).Where(number => !holding.ContainsKey(number))]);
        using var completed = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/complete", new { parts = Parts(holding.Concat(rest).ToDictionary()) });
        Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);

        Assert.Equal(new FileInfo(input).Length, _sentBytes);
        // Storage received each byte once (the proxy in front of it counts requests and bodies as they arrive).
        Assert.InRange(system.PublicStorageProxy.BytesFromClients - receivedBefore, _sentBytes, _sentBytes + (partCount * 4096));
        var (job, seen) = await system.Api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.True(job.GetProperty("status").GetString() == "DONE", $"statuses: {string.Join(" → ", seen)}; error {job.GetProperty("error")}");
    }

    [Fact]
    public async Task A_wrong_part_is_named_at_completion_and_an_abort_leaves_storage_no_part()
    {
        var input = await VideoOfPartsAsync(3);
        var (jobId, _) = await RequestAsync(input);
        var etags = await SendPartsAsync(jobId, input, [1, 2, 3]);
        var uploadId = await system.MultipartUploadIdAsync(jobId);
        Assert.NotNull(uploadId);
        Assert.Equal(3, (await (await system.ApiMultipartUploadsAsync(_storage)).ListPartsAsync($"{jobId}.avi", uploadId, CancellationToken.None))!.Count);

        // A completion naming many parts (10,000 are allowed) is read, not refused for its size, and the first wrong one named.
        using var many = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/complete",
            new { parts = Enumerable.Range(1, 2_000).Select(number => new { part_number = number, etag = etags.GetValueOrDefault(number, "0123456789abcdef0123456789abcdef") }).ToArray() });
        Assert.Equal(4, (await many.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("part_number").GetInt32());

        etags[2] = "0123456789abcdef0123456789abcdef";
        using var wrong = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/complete", new { parts = Parts(etags) });
        var problem = await wrong.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(2, problem.GetProperty("part_number").GetInt32());
        Assert.Contains("Part 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        etags.Remove(3);
        using var missing = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/complete", new { parts = Parts(etags) });
        Assert.Equal(2, (await missing.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("part_number").GetInt32());

        using (var aborted = await system.Api.DeleteAsync(new Uri($"/uploads/{jobId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, aborted.StatusCode);
        }

        var afterAbort = await system.Api.GetFromJsonAsync<JsonElement>($"/uploads/{jobId}/parts");
        Assert.Equal(0, afterAbort.GetProperty("parts").GetArrayLength());
        Assert.Empty(await system.StoredKeysAsync(StorageNames.InputBucket, jobId));
        // Storage itself, asked about the upload by its id: it has no such upload, so no part of it.
        using var http = new HttpClient();
        var storage = await system.ApiMultipartUploadsAsync(http);
        Assert.Null(await storage.ListPartsAsync($"{jobId}.avi", uploadId, CancellationToken.None));
        Assert.Null(await system.MultipartUploadIdAsync(jobId));
        Assert.Equal("AWAITING_UPLOAD", (await system.Api.GetJobAsync(jobId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_part_url_takes_only_that_parts_bytes()
    {
        var input = await VideoOfPartsAsync(2);
        var (jobId, _) = await RequestAsync(input);
        using var signed = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/parts", new { part_numbers = FirstPart });
        var url = (await signed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parts")[0].GetProperty("url").GetString()!;

        // Signed for part 1's 5 MiB: more would store bytes past the size the quota counted.
        using var larger = await _storage.PutAsync(new Uri(url), new ByteArrayContent(new byte[SystemFixture.PartBytes + 1]));
        using var exact = await _storage.PutAsync(new Uri(url), new ByteArrayContent(new byte[SystemFixture.PartBytes]));

        Assert.Equal(HttpStatusCode.Forbidden, larger.StatusCode);
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
    }

    [Theory]
    [InlineData(6L * 1024 * 1024 * 1024, "single")]
    [InlineData(100L * 1024 * 1024, "chunked")]
    public async Task An_upload_type_that_cannot_be_is_refused_naming_it(long size, string uploadType)
    {
        using var response = await system.Api.PostAsJsonAsync("/upload/request",
            new { filename = "big.mp4", content_type = "video/mp4", size_bytes = size, upload_type = uploadType });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("upload_type", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Part_numbers_outside_the_upload_are_refused_naming_them()
    {
        var input = await VideoOfPartsAsync(3);
        var (jobId, _) = await RequestAsync(input);

        using var outside = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/parts", new { part_numbers = OneOutside });

        var problem = await outside.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("Part 4", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private Task<string> VideoOfPartsAsync(int parts) => TestMedia.VideoOfPartsAsync(_work.FullName, parts, SystemFixture.PartBytes);

    private async Task<(string JobId, int PartCount)> RequestAsync(string input)
    {
        using var response = await system.Api.PostAsJsonAsync("/upload/request",
            new { filename = Path.GetFileName(input), content_type = "video/x-msvideo", size_bytes = new FileInfo(input).Length, upload_type = "multipart" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ticket = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("multipart", ticket.GetProperty("upload_type").GetString());
        Assert.Equal(SystemFixture.PartBytes, ticket.GetProperty("part_size").GetInt64());
        return (ticket.GetProperty("job_id").GetString()!, ticket.GetProperty("part_count").GetInt32());
    }

    /// <summary>Asks for the parts' URLs and PUTs each part straight to storage, as any client does; their ETags.</summary>
    private async Task<Dictionary<int, string>> SendPartsAsync(string jobId, string input, IReadOnlyList<int> numbers)
    {
        using var signed = await system.Api.PostAsJsonAsync($"/uploads/{jobId}/parts", new { part_numbers = numbers });
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        var urls = (await signed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parts").EnumerateArray()
            .ToDictionary(part => part.GetProperty("part_number").GetInt32(), part => part.GetProperty("url").GetString()!);
        var content = await File.ReadAllBytesAsync(input);
        var etags = new Dictionary<int, string>();
        foreach (var number in numbers)
        {
            var offset = (int)((number - 1) * SystemFixture.PartBytes);
            var length = (int)Math.Min(SystemFixture.PartBytes, content.Length - offset);
            using var response = await _storage.PutAsync(new Uri(urls[number]), new ByteArrayContent(content, offset, length));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            _sentBytes += length;
            etags[number] = response.Headers.ETag!.Tag.Trim('"');
        }

        return etags;
    }

    private static object[] Parts(Dictionary<int, string> etags) =>
        [.. etags.OrderBy(pair => pair.Key).Select(pair => new { part_number = pair.Key, etag = pair.Value })];

    public void Dispose()
    {
        _storage.Dispose();
        _work.Delete(recursive: true);
    }
}
