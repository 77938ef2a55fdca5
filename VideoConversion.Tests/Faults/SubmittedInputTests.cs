using System.Net;
using Minio.DataModel.Args;
using Minio.Exceptions;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// The video converted is the one submitted, within the limits: a swapped upload is never
/// converted, an oversized one is not kept, and one past the pixel budget is refused at probe time.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class SubmittedInputTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-submitted-");

    [Fact]
    public async Task An_input_swapped_after_submission_is_never_converted()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, 2);
        // No worker while the swap happens: the job waits in the queue for it.
        await system.KillWorkerAsync();
        string jobId;
        try
        {
            var upload = await _api.RequestUploadAsync("clip.avi", sizeBytes: new FileInfo(input).Length, start: "submit");
            jobId = upload.GetProperty("job_id").GetString()!;
            var url = upload.GetProperty("presigned_url").GetString()!;
            await ApiCalls.UploadAsync(url, input);
            using (var submitted = await _api.SubmitAsync(jobId))
            {
                Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            }

            // The same URL, the same size, other bytes.
            var swapped = Path.Combine(_work.FullName, "swapped.avi");
            await File.WriteAllBytesAsync(swapped, System.Security.Cryptography.RandomNumberGenerator.GetBytes((int)new FileInfo(input).Length));
            await ApiCalls.UploadAsync(url, swapped);
        }
        finally
        {
            await system.StartWorkerAsync();
        }

        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, Timeout);
        output.WriteLine($"1 job whose input was replaced after submission: {string.Join(" → ", seen)}");
        Assert.Equal("FAILED", job.GetProperty("status").GetString());
        Assert.Contains("The upload changed after it was submitted", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        using var storage = await system.StorageClientAsync();
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => storage.StatObjectAsync(
            new StatObjectArgs().WithBucket(StorageNames.OutputBucket).WithObject(StorageNames.OutputKey(jobId))));
    }

    [Fact]
    public async Task An_upload_without_a_declared_size_over_the_limit_is_refused_at_submission_and_deleted()
    {
        var upload = await _api.RequestUploadAsync("big.mkv", start: "submit");
        var jobId = upload.GetProperty("job_id").GetString()!;
        var big = Path.Combine(_work.FullName, "big.mkv");
        // Sparse: one byte over the limit, without writing half a gigabyte to this disk first.
        await using (var file = File.Create(big))
        {
            file.SetLength(FaultSystemFixture.MaxFileBytes + 1);
        }

        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, big);

        using var submitted = await _api.SubmitAsync(jobId);
        var problem = await submitted.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(FaultSystemFixture.MaxFileBytes, problem.GetProperty("max_file_bytes").GetInt64());
        using var storage = await system.StorageClientAsync();
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => storage.StatObjectAsync(
            new StatObjectArgs().WithBucket(StorageNames.InputBucket).WithObject($"{jobId}.mkv")));
        Assert.Equal("AWAITING_UPLOAD", (await _api.GetJobAsync(jobId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_upload_over_the_limit_that_was_to_start_by_itself_fails_with_the_reason_and_is_removed()
    {
        var upload = await _api.RequestUploadAsync("big-auto.mkv");
        var jobId = upload.GetProperty("job_id").GetString()!;
        var big = Path.Combine(_work.FullName, "big-auto.mkv");
        await using (var file = File.Create(big))
        {
            file.SetLength(FaultSystemFixture.MaxFileBytes + 1);
        }

        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, big);

        // Nobody called POST /jobs to be told: the job itself says why.
        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, Timeout);
        Assert.True(job.GetProperty("status").GetString() == "FAILED", $"statuses: {string.Join(" → ", seen)}");
        Assert.Contains("the largest upload accepted", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, job.GetProperty("attempts").GetInt32());
        await Polling.WaitUntilAsync(async () => !await system.IsStoredAsync(StorageNames.InputBucket, $"{jobId}.mkv"), "the refused upload to be removed", TimeSpan.FromSeconds(15));
        // A client that submits it anyway hears the same reason.
        using var submitted = await _api.SubmitAsync(jobId);
        var problem = await submitted.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("the largest upload accepted", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_object_of_another_size_than_declared_is_refused_at_submission()
    {
        var upload = await _api.RequestUploadAsync("clip.avi", sizeBytes: 5000, start: "submit");
        var jobId = upload.GetProperty("job_id").GetString()!;
        // Put there past the signed URL (say, by a tool holding storage keys).
        using var storage = await system.StorageClientAsync();
        using (var content = new MemoryStream(new byte[4000]))
        {
            await storage.PutObjectAsync(new PutObjectArgs().WithBucket(StorageNames.InputBucket).WithObject($"{jobId}.avi")
                .WithStreamData(content).WithObjectSize(content.Length));
        }

        using var submitted = await _api.SubmitAsync(jobId);
        var problem = await submitted.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("declared 5,000 bytes but 4,000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_video_past_the_pixel_budget_is_refused_at_probe_time_in_seconds()
    {
        // 1080p at 60 fps for three minutes: 2.2 × 10^10 pixels against this system's 2 × 10^10.
        // A still picture, so it is small and quick to make, as a hostile file would be.
        var path = Path.Combine(_work.FullName, "long.mkv");
        await TestMedia.FFmpegAsync("-f", "lavfi", "-i", "color=c=gray:size=1920x1080:rate=60:duration=180",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "1200", path);
        var jobId = await _api.StartJobAsync(path, "video/x-matroska");
        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, Timeout);
        var took = job.GetProperty("finished_at").GetDateTimeOffset() - job.GetProperty("submitted_at").GetDateTimeOffset();
        output.WriteLine($"1 job past the pixel budget ({new FileInfo(path).Length} bytes): {string.Join(" → ", seen)} in {took.TotalSeconds:F1} s");

        Assert.Equal("FAILED", job.GetProperty("status").GetString());
        Assert.Contains("too much work for one job", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        // Only the planner words it so, before FFmpeg starts: no conversion ran, whatever the time.
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Equal(0, job.GetProperty("progress").GetInt32());
    }

    public void Dispose() => _work.Delete(recursive: true);
}
