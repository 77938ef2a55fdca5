using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>Per-account quotas against the running system, each in an account of its own, each refusal naming the limit and the use.</summary>
[Collection(WholeSystem.Name)]
public class QuotaTests(SystemFixture system)
{
    [Fact]
    public async Task One_job_past_the_active_jobs_quota_is_refused_with_429_naming_limit_and_use_even_when_all_arrive_at_once()
    {
        using var api = await ClientOfNewAccountAsync("active");
        // Twenty more than the quota, 32 at a time: exactly the quota's worth may get through.
        using var gate = new SemaphoreSlim(32);
        var answers = await Task.WhenAll(Enumerable.Range(0, SystemFixture.MaxActiveJobs + 20).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await api.PostAsJsonAsync("/upload/request", new { filename = $"clip-{i}.mp4" });
                return response.StatusCode;
            }
            finally
            {
                gate.Release();
            }
        }));
        Assert.Equal(SystemFixture.MaxActiveJobs, answers.Count(status => status == HttpStatusCode.Created));
        Assert.Equal(20, answers.Count(status => status == HttpStatusCode.TooManyRequests));

        using var refused = await api.PostAsJsonAsync("/upload/request", new { filename = "one-too-many.mp4" });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Too many active jobs", problem.GetProperty("title").GetString());
        Assert.Equal("active_jobs", problem.GetProperty("quota").GetString());
        Assert.Equal(SystemFixture.MaxActiveJobs, problem.GetProperty("limit").GetInt32());
        Assert.Equal(SystemFixture.MaxActiveJobs, problem.GetProperty("current").GetInt32());
        // Another account is not held back by this one's jobs.
        using var other = await system.Api.PostAsJsonAsync("/upload/request", new { filename = "unaffected.mp4" });
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
    }

    [Fact]
    public async Task An_upload_past_the_storage_quota_is_refused_with_413_naming_limit_and_use()
    {
        using var api = await ClientOfNewAccountAsync("stored");
        var size = SystemFixture.MaxStoredBytes * 6 / 10;
        using var first = await api.PostAsJsonAsync("/upload/request", new { filename = "big.mp4", size_bytes = size });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var second = await api.PostAsJsonAsync("/upload/request", new { filename = "bigger-than-what-is-left.mp4", size_bytes = size });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, second.StatusCode);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Storage quota exceeded", problem.GetProperty("title").GetString());
        Assert.Equal("stored_bytes", problem.GetProperty("quota").GetString());
        Assert.Equal(SystemFixture.MaxStoredBytes, problem.GetProperty("limit").GetInt64());
        Assert.Equal(size, problem.GetProperty("current").GetInt64());

        // Filled to the quota exactly, the account can start no job from a URL either, whose size is unknown until fetched.
        var rest = SystemFixture.MaxStoredBytes - size;
        using var last = await api.PostAsJsonAsync("/upload/request", new { filename = "the-rest.mp4", size_bytes = rest });
        Assert.Equal(HttpStatusCode.Created, last.StatusCode);
        using var fromUrl = await api.PostAsJsonAsync("/jobs", new { input_url = "http://127.0.0.1:9/clip.mp4" });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, fromUrl.StatusCode);
        var full = await fromUrl.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("stored_bytes", full.GetProperty("quota").GetString());
        Assert.Equal(SystemFixture.MaxStoredBytes, full.GetProperty("current").GetInt64());
    }

    [Fact]
    public async Task An_upload_of_undeclared_size_past_the_storage_quota_is_refused_at_submission_and_one_that_fits_is_accepted()
    {
        using var api = await ClientOfNewAccountAsync("undeclared");
        // The account's storage filled but for 1,000 bytes by a job that declared its size (counted from its request).
        var filled = SystemFixture.MaxStoredBytes - 1_000;
        using var filler = await api.PostAsJsonAsync("/upload/request", new { filename = "filler.mp4", size_bytes = filled });
        Assert.Equal(HttpStatusCode.Created, filler.StatusCode);
        var upload = await api.RequestUploadAsync("unknown-size.mp4", start: "submit");
        var jobId = upload.GetProperty("job_id").GetString()!;
        var work = Directory.CreateTempSubdirectory("quota-");
        try
        {
            var tooBig = Path.Combine(work.FullName, "too-big.mp4");
            await File.WriteAllBytesAsync(tooBig, new byte[1_001]);
            await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, tooBig);

            using var refused = await api.SubmitAsync(jobId);

            var problem = await refused.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal("Storage quota exceeded", problem.GetProperty("title").GetString());
            Assert.Equal("stored_bytes", problem.GetProperty("quota").GetString());
            Assert.Equal(filled, problem.GetProperty("current").GetInt64());
            Assert.Equal(SystemFixture.MaxStoredBytes, problem.GetProperty("limit").GetInt64());
            Assert.Equal("AWAITING_UPLOAD", (await api.GetJobAsync(jobId)).GetProperty("status").GetString());

            // The same URL again with a file that fills the quota to the byte: accepted.
            var fits = Path.Combine(work.FullName, "fits.mp4");
            await File.WriteAllBytesAsync(fits, new byte[1_000]);
            await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, fits);
            using var accepted = await api.SubmitAsync(jobId);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private async Task<HttpClient> ClientOfNewAccountAsync(string purpose)
    {
        var account = await system.CreateAccountAsync(purpose);
        return system.ApiClient(account.ApiKey);
    }
}
