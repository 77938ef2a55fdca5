using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace VideoConversion.Tests.Support;

/// <summary>The calls a client of the public API makes, with the wire format checked on the way.</summary>
public static class ApiCalls
{
    /// <param name="start">"upload" (the API's default): the job starts when the upload lands. "submit": it waits for POST /jobs.</param>
    /// <param name="outputs">What to make; null leaves it to the API (the MP4).</param>
    public static async Task<JsonElement> RequestUploadAsync(
        this HttpClient api, string fileName, string contentType = "video/x-msvideo", long? sizeBytes = null, string start = "upload",
        IReadOnlyList<string>? outputs = null)
    {
        using var response = await api.PostAsJsonAsync("/upload/request", new { filename = fileName, content_type = contentType, size_bytes = sizeBytes, start, outputs });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>PUTs a file to a presigned URL with a plain client, the way any user's client does.</summary>
    public static async Task UploadAsync(string presignedUrl, string path, string contentType = "video/x-msvideo")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await http.PutAsync(new Uri(presignedUrl), content);
        Assert.True(response.IsSuccessStatusCode, $"PUT to storage answered {(int)response.StatusCode}");
    }

    public static Task<HttpResponseMessage> SubmitAsync(this HttpClient api, string jobId, string outputFormat = "mp4") =>
        api.PostAsJsonAsync("/jobs", new { job_id = jobId, output_format = outputFormat });

    /// <summary>
    /// The whole client side of starting a job, as the API asks of clients: request a URL for the file's size and PUT
    /// the file. The job starts when the upload lands (storage announces it); no POST /jobs. Returns the job id.
    /// </summary>
    public static async Task<string> StartJobAsync(
        this HttpClient api, string path, string contentType = "video/x-msvideo", IReadOnlyList<string>? outputs = null)
    {
        var upload = await api.RequestUploadAsync(Path.GetFileName(path), contentType, new FileInfo(path).Length, outputs: outputs);
        await UploadAsync(upload.GetProperty("presigned_url").GetString()!, path, contentType);
        return upload.GetProperty("job_id").GetString()!;
    }

    /// <summary>
    /// The client side of a job that waits for its submission (start "submit"): request, PUT, then POST /jobs, which
    /// must accept it. The job counts as accepted at that answer. Returns the job id.
    /// </summary>
    public static async Task<string> SubmitJobAsync(this HttpClient api, string path, string contentType = "video/x-msvideo")
    {
        var upload = await api.RequestUploadAsync(Path.GetFileName(path), contentType, new FileInfo(path).Length, start: "submit");
        var jobId = upload.GetProperty("job_id").GetString()!;
        await UploadAsync(upload.GetProperty("presigned_url").GetString()!, path, contentType);
        using var submitted = await api.SubmitAsync(jobId);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        return jobId;
    }

    public static async Task<JsonElement> GetJobAsync(this HttpClient api, string jobId)
    {
        using var response = await api.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls until the job is DONE, FAILED, EXPIRED or CANCELED; returns every status it saw, and the last job.</summary>
    public static async Task<(JsonElement Job, List<string> Seen)> WaitForOutcomeAsync(this HttpClient api, string jobId, TimeSpan timeout)
    {
        var seen = new List<string>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await api.GetJobAsync(jobId);
            var status = job.GetProperty("status").GetString()!;
            var label = status == "PROCESSING" ? $"{status} {job.GetProperty("progress").GetInt32()}%" : status;
            if (seen.Count == 0 || seen[^1] != label)
            {
                seen.Add(label);
            }

            if (status is "DONE" or "FAILED" or "EXPIRED" or "CANCELED")
            {
                return (job, seen);
            }

            Assert.True(DateTime.UtcNow < deadline, $"Job {jobId} did not finish within {timeout}; statuses seen: {string.Join(" → ", seen)}");
            await Task.Delay(250);
        }
    }

    /// <summary>Asserts an RFC 7807 problem with the expected status, and returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }
}
