using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>The seed guide's API contract and every error case, against the running system.</summary>
[Collection(WholeSystem.Name)]
public class ApiContractTests(SystemFixture system)
{
    private readonly HttpClient _api = system.Api;

    [Fact]
    public async Task Upload_request_creates_a_job_and_a_presigned_put_into_the_input_bucket()
    {
        var before = DateTimeOffset.UtcNow;
        var upload = await _api.RequestUploadAsync("../../etc/passwd.MOV", "video/quicktime");

        var jobId = upload.GetProperty("job_id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", jobId);
        var url = new Uri(upload.GetProperty("presigned_url").GetString()!);
        // The key comes from the job id and the allow-listed extension, never from the file name.
        Assert.Equal($"/input/{jobId}.mov", url.AbsolutePath);
        Assert.Contains("X-Amz-Signature=", url.Query, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Expires=600", url.Query, StringComparison.Ordinal);
        var expiresAt = upload.GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange(expiresAt, before.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(10).AddSeconds(5));

        var job = await _api.GetJobAsync(jobId);
        Assert.Equal("AWAITING_UPLOAD", job.GetProperty("status").GetString());
        Assert.Equal(0, job.GetProperty("progress").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("output_url").ValueKind);
        foreach (var field in new[] { "created_at", "submitted_at", "started_at", "finished_at", "error" })
        {
            Assert.True(job.TryGetProperty(field, out _), $"GET /jobs/{{id}} lacks '{field}'");
        }

        // Not submitted until the upload is in storage and POST /jobs accepted it.
        Assert.Equal(JsonValueKind.Null, job.GetProperty("submitted_at").ValueKind);
    }

    [Fact]
    public async Task Job_ids_differ_for_the_same_file_name()
    {
        var first = await _api.RequestUploadAsync("same.mp4", "video/mp4");
        var second = await _api.RequestUploadAsync("same.mp4", "video/mp4");
        Assert.NotEqual(first.GetProperty("job_id").GetString(), second.GetProperty("job_id").GetString());
    }

    [Theory]
    [InlineData("""{"content_type":"video/mp4"}""", "filename")]
    [InlineData("""{"filename":"  ","content_type":"video/mp4"}""", "filename")]
    [InlineData("""{"filename":"malware.exe","content_type":"video/mp4"}""", "malware.exe")]
    [InlineData("""{"filename":"playlist.m3u8"}""", "playlist.m3u8")]
    [InlineData("""{"filename":"page.html","content_type":"video/mp4"}""", "page.html")]
    public async Task Upload_request_refuses_bad_input_with_a_named_problem(string body, string named)
    {
        using var response = await PostJsonAsync("/upload/request", body);
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("recording.ts", "text/vnd.trolltech.linguist")]
    [InlineData("camcorder.mts", "model/vnd.mts")]
    [InlineData("phone.3gp", "audio/3gpp")]
    [InlineData("clip.mp4", "text/html")]
    public async Task A_known_video_extension_is_never_refused_for_its_content_type(string fileName, string contentType)
    {
        var upload = await _api.RequestUploadAsync(fileName, contentType);
        var jobId = upload.GetProperty("job_id").GetString()!;
        Assert.Equal("AWAITING_UPLOAD", (await _api.GetJobAsync(jobId)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/upload/request")]
    [InlineData("/jobs")]
    public async Task A_body_over_the_json_limit_is_refused_before_it_is_parsed(string path)
    {
        // Valid JSON, so only its size can be the problem.
        var body = $$"""{"filename": "x.mp4", "padding": "{{new string('a', 70 * 1024)}}"}""";
        using var response = await PostJsonAsync(path, body);
        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("65536", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/upload/request")]
    [InlineData("/jobs")]
    public async Task Malformed_json_is_a_bad_request_not_a_server_error(string path)
    {
        using var response = await PostJsonAsync(path, """{"filename": "x.mp4",""");
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submitting_an_unknown_job_is_not_found()
    {
        using var response = await _api.SubmitAsync("0123456789abcdef0123456789abcdef");
        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("Unknown job", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Submitting_without_a_job_id_is_a_bad_request()
    {
        using var response = await PostJsonAsync("/jobs", """{"output_format":"mp4"}""");
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("job_id", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsupported_output_format_is_a_bad_request()
    {
        var upload = await _api.RequestUploadAsync("clip.mp4", "video/mp4");
        using var response = await _api.SubmitAsync(upload.GetProperty("job_id").GetString()!, "webm");
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("webm", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submitting_before_the_upload_is_a_conflict_and_changes_nothing()
    {
        var upload = await _api.RequestUploadAsync("clip.mp4", "video/mp4");
        var jobId = upload.GetProperty("job_id").GetString()!;

        using var response = await _api.SubmitAsync(jobId);
        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("Video not uploaded", problem.GetProperty("title").GetString());
        Assert.Equal("AWAITING_UPLOAD", (await _api.GetJobAsync(jobId)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("not-a-job-id")]
    public async Task Getting_an_unknown_job_is_not_found(string jobId)
    {
        using var response = await _api.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_job_list_is_paged_newest_first()
    {
        var older = (await _api.RequestUploadAsync("older.mp4", "video/mp4")).GetProperty("job_id").GetString();
        var newer = (await _api.RequestUploadAsync("newer.mp4", "video/mp4")).GetProperty("job_id").GetString();

        var page = await _api.GetFromJsonAsync<JsonElement>("/jobs?page=1&page_size=100");
        var ids = page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("job_id").GetString()).ToList();
        Assert.True(ids.IndexOf(newer) >= 0 && ids.IndexOf(newer) < ids.IndexOf(older), "newer jobs come first");
        Assert.Equal(100, page.GetProperty("page_size").GetInt32());
        Assert.True(page.GetProperty("total_count").GetInt32() >= 2);

        var single = await _api.GetFromJsonAsync<JsonElement>("/jobs?page=1&page_size=1");
        Assert.Single(single.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("/jobs?page=0")]
    [InlineData("/jobs?page_size=0")]
    [InlineData("/jobs?page_size=1000")]
    public async Task Out_of_range_paging_is_a_bad_request(string path)
    {
        using var response = await _api.GetAsync(new Uri(path, UriKind.Relative));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_api_publishes_an_openapi_document_and_a_reference_page()
    {
        var document = await _api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[]
        {
            "/upload/request", "/jobs", "/jobs/{jobId}", "/jobs/{jobId}/cancel", "/jobs/{jobId}/retry", "/jobs/{jobId}/webhooks", "/keys", "/keys/{keyId}",
            "/account", "/users", "/auth/login", "/webhooks", "/webhooks/{endpointId}", "/webhooks/{endpointId}/deliveries",
            "/webhooks/deliveries/{deliveryId}/redeliver",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI lacks {path}");
        }

        // What a refusal looks like, for every operation: problem details.
        var operations = paths.EnumerateObject().SelectMany(path => path.Value.EnumerateObject())
            .Where(operation => operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("responses", out _)).ToList();
        Assert.True(operations.Count > 15, $"only {operations.Count} operations in the document");
        foreach (var operation in operations)
        {
            Assert.True(operation.Value.GetProperty("responses").TryGetProperty("default", out var refusal), $"{operation.Name} declares no problem response");
            Assert.True(refusal.GetProperty("content").TryGetProperty("application/problem+json", out _));
        }

        // What a receiver gets: every event, its Standard Webhooks headers and its body.
        var webhooks = document.GetProperty("webhooks");
        foreach (var eventType in new[] { "job.processing", "job.done", "job.failed", "job.canceled", "job.expired" })
        {
            var post = webhooks.GetProperty(eventType).GetProperty("post");
            Assert.Equal(["webhook-id", "webhook-timestamp", "webhook-signature"],
                post.GetProperty("parameters").EnumerateArray().Select(parameter => parameter.GetProperty("name").GetString()));
            Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        }

        // How to call it: a bearer credential, for every operation.
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.Contains(document.GetProperty("security").EnumerateArray(), requirement => requirement.TryGetProperty("Bearer", out _));

        using var reference = await _api.GetAsync(new Uri("/scalar", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Contains("text/html", reference.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        _api.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
}
