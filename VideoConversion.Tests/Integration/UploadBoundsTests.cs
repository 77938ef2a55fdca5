using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// What storage takes and gives, against the running system: only signed requests, only the
/// declared size, and any known video extension whatever content type its client guessed.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class UploadBoundsTests(SystemFixture system) : IDisposable
{
    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-bounds-");

    [Fact]
    public async Task Storage_refuses_every_unsigned_request()
    {
        var storage = await StorageOriginAsync();
        using var http = new HttpClient();
        var jobId = await _api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, 1));

        using var list = await http.GetAsync(new Uri(storage, "/output?list-type=2"));
        using var read = await http.GetAsync(new Uri(storage, $"/input/{jobId}.avi"));
        using var write = await http.PutAsync(new Uri(storage, "/input/planted.mp4"), new ByteArrayContent([1, 2, 3]));
        using var delete = await http.DeleteAsync(new Uri(storage, $"/input/{jobId}.avi"));
        using var buckets = await http.GetAsync(storage);

        Assert.All([list, read, write, delete, buckets], response => Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode));
        // Nothing was changed by them: the job still converts its upload.
        var (job, _) = await _api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.Equal("DONE", job.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_body_longer_or_shorter_than_the_declared_size_is_refused_by_storage()
    {
        var upload = await _api.RequestUploadAsync("clip.avi", sizeBytes: 1000);
        var url = new Uri(upload.GetProperty("presigned_url").GetString()!);
        using var http = new HttpClient();

        using var longer = await http.PutAsync(url, new ByteArrayContent(new byte[2000]));
        using var shorter = await http.PutAsync(url, new ByteArrayContent(new byte[999]));
        using var exact = await http.PutAsync(url, new ByteArrayContent(new byte[1000]));

        Assert.Equal(HttpStatusCode.Forbidden, longer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, shorter.StatusCode);
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
    }

    [Fact]
    public async Task A_declared_size_over_the_limit_is_refused_with_413_naming_the_limit()
    {
        using var response = await _api.PostAsync(new Uri("/upload/request", UriKind.Relative), Json(
            """{"filename": "huge.mkv", "content_type": "video/x-matroska", "size_bytes": 51000000000}"""));
        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(50_000_000_000, problem.GetProperty("max_file_bytes").GetInt64());
        Assert.Contains("50,000,000,000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var limits = await _api.GetAsync(new Uri("/upload/limits", UriKind.Relative));
        var body = JsonDocument.Parse(await limits.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(50_000_000_000, body.GetProperty("max_file_bytes").GetInt64());
        Assert.Contains(".mts", body.GetProperty("accepted_extensions").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("broadcast.ts", "text/vnd.trolltech.linguist")]
    [InlineData("old-phone.3gp", "audio/3gpp")]
    public async Task A_video_sent_with_a_wrong_content_type_is_accepted_and_converted(string corpusName, string contentType)
    {
        var input = await InputCorpus.CreateAsync(InputCorpus.Named(corpusName), _work.FullName);
        var jobId = await _api.StartJobAsync(input, contentType);
        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.True(job.GetProperty("status").GetString() == "DONE", $"{corpusName}: {string.Join(" → ", seen)} {job.GetProperty("error")}");
    }

    /// <summary>Where storage is, as clients reach it: the origin of a presigned URL.</summary>
    private async Task<Uri> StorageOriginAsync()
    {
        var upload = await _api.RequestUploadAsync("probe.mp4");
        return new Uri(new Uri(upload.GetProperty("presigned_url").GetString()!).GetLeftPart(UriPartial.Authority) + "/");
    }

    private static StringContent Json(string json) => new(json, new MediaTypeHeaderValue("application/json"));

    public void Dispose() => _work.Delete(recursive: true);
}
