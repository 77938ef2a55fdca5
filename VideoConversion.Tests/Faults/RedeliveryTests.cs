using System.Security.Cryptography;
using System.Text.Json;
using Minio.DataModel.Args;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// A job delivered again after its output was stored (its worker died between the upload and the
/// acknowledgement) is reported DONE from the stored output, not converted a second time.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class RedeliveryTests(FaultSystemFixture system) : IDisposable
{
    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-redelivery-");

    [Fact]
    public async Task A_job_whose_output_is_already_stored_is_not_converted_again()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var upload = await _api.RequestUploadAsync("clip.avi", start: "submit");
        var jobId = upload.GetProperty("job_id").GetString()!;
        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);

        // The output an earlier attempt stored, as that attempt would have stored it, and the ledger entry it began with
        // (it died before its ack: the next worker's attempt is its second).
        var stored = await InputCorpus.CreateAsync(InputCorpus.Named("ready.mp4"), _work.FullName);
        using var storage = await system.StorageClientAsync();
        await storage.PutObjectAsync(new PutObjectArgs()
            .WithBucket(StorageNames.OutputBucket).WithObject(StorageNames.OutputKey(jobId))
            .WithFileName(stored).WithContentType("video/mp4")
            .WithHeaders(new Dictionary<string, string> { ["x-amz-meta-conversion-method"] = "remux" }));
        using (var ledger = new MemoryStream("1"u8.ToArray()))
        {
            await storage.PutObjectAsync(new PutObjectArgs()
                .WithBucket(StorageNames.OutputBucket).WithObject(VideoConversion.Worker.Jobs.AttemptLedger.Key(jobId))
                .WithStreamData(ledger).WithObjectSize(ledger.Length));
        }

        using (var submitted = await _api.SubmitAsync(jobId))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, submitted.StatusCode);
        }

        var (job, _) = await _api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.Equal("DONE", job.GetProperty("status").GetString());
        Assert.Equal("remux", job.GetProperty("conversion_method").GetString());
        Assert.Equal(new FileInfo(stored).Length, job.GetProperty("output_bytes").GetInt64());
        using var http = new HttpClient();
        var served = await http.GetByteArrayAsync(new Uri(job.GetProperty("output_url").GetString()!));
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(stored)), SHA256.HashData(served));
    }

    [Fact]
    public async Task A_job_whose_attempts_all_died_is_set_aside_by_the_worker_whatever_the_broker_counts()
    {
        // RabbitMQ 4.3+ would not count attempts whose worker died; the worker's own ledger does.
        // Here it says three attempts started and never finished, as after three crashes.
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var upload = await _api.RequestUploadAsync("clip.avi", start: "submit");
        var jobId = upload.GetProperty("job_id").GetString()!;
        await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);
        using var storage = await system.StorageClientAsync();
        using (var ledger = new MemoryStream("3"u8.ToArray()))
        {
            await storage.PutObjectAsync(new PutObjectArgs()
                .WithBucket(StorageNames.OutputBucket).WithObject(VideoConversion.Worker.Jobs.AttemptLedger.Key(jobId))
                .WithStreamData(ledger).WithObjectSize(ledger.Length));
        }

        using (var submitted = await _api.SubmitAsync(jobId))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, submitted.StatusCode);
        }

        var (job, _) = await _api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        Assert.Equal("FAILED", job.GetProperty("status").GetString());
        Assert.Equal(VideoConversion.Infrastructure.Jobs.RetryPolicy.GaveUpMessage(VideoConversion.Contracts.Jobs.FailureCause.WorkerStopped, 3), job.GetProperty("error").GetString());
        Assert.Equal(3, job.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("output_url").ValueKind);
    }

    public void Dispose() => _work.Delete(recursive: true);
}
