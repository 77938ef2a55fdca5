using System.Globalization;
using Minio.DataModel.Args;
using RabbitMQ.Client;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// Two deliveries of one job converted at the same time by two worker processes (a redelivery, or
/// the reconciler's requeue of a worker that was only slow) never fail the job. The hard case: the
/// job is at its last attempt, so the second delivery counts past the limit while the first runs.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class DuplicateDeliveryTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-duplicate-");

    [Fact]
    public async Task Two_deliveries_of_one_job_at_once_end_done_and_never_failed()
    {
        var input = await TestMedia.Mpeg4720pAsync(_work.FullName, "long.avi", seconds: 120);
        await system.KillWorkerAsync();
        // Each worker takes one job at a time here: a worker that prefetches would take both copies itself, one after the other.
        system.WorkerPrefetchesNextJob = false;
        System.Diagnostics.Process? second = null;
        try
        {
            var jobId = await _api.StartJobAsync(input);
            // Two attempts already died, as after two crashes: the next is the last.
            using (var storage = await system.StorageClientAsync())
            using (var ledger = new MemoryStream("2"u8.ToArray()))
            {
                await storage.PutObjectAsync(new PutObjectArgs().WithBucket(StorageNames.OutputBucket)
                    .WithObject(VideoConversion.Worker.Jobs.AttemptLedger.Key(jobId)).WithStreamData(ledger).WithObjectSize(ledger.Length));
            }

            await DuplicateJobMessageAsync(jobId);
            await system.StartWorkerAsync();
            await Polling.WaitUntilAsync(async () => (await _api.GetJobAsync(jobId)).GetProperty("status").GetString() == "PROCESSING",
                "the first delivery converting");
            second = await system.StartSecondWorkerAsync();
            await using (var broker = await system.BrokerConnectionAsync())
            await using (var channel = await broker.CreateChannelAsync())
            {
                await Polling.WaitUntilAsync(async () => (await channel.QueueDeclarePassiveAsync(QueueNames.VideoJobs)).MessageCount == 0,
                    "the second worker taking the second delivery");
            }

            // The two deliveries overlapped: the second was taken while the first still converted.
            Assert.Equal("PROCESSING", (await _api.GetJobAsync(jobId)).GetProperty("status").GetString());
            var (job, seen) = await _api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(6));
            output.WriteLine($"1 job delivered twice at its last attempt, 2 workers: {string.Join(" → ", seen)}");
            Assert.Equal("DONE", job.GetProperty("status").GetString());
            Assert.DoesNotContain("FAILED", seen);
            Assert.Equal(3, job.GetProperty("attempts").GetInt32());
        }
        finally
        {
            if (second is not null)
            {
                second.Kill(entireProcessTree: true);
                await second.WaitForExitAsync();
                second.Dispose();
            }

            // The worker as the other tests expect it.
            system.WorkerPrefetchesNextJob = null;
            await system.RestartWorkerAsync();
        }
    }

    /// <summary>Takes the job's message off the queue and puts it back twice: two deliveries of one job.</summary>
    private async Task DuplicateJobMessageAsync(string jobId)
    {
        await using var broker = await system.BrokerConnectionAsync();
        await using var channel = await broker.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var delivery = await Polling.WaitForAsync(async () => await channel.BasicGetAsync(QueueNames.VideoJobs, autoAck: false),
            "the job message", TimeSpan.FromMinutes(1));
        Assert.Equal(jobId, MessageSerializer.TryDeserialize<VideoJobMessage>(delivery.Body)!.JobId);
        for (var copy = 1; copy <= 2; copy++)
        {
            await channel.BasicPublishAsync("", QueueNames.VideoJobs, mandatory: true,
                new BasicProperties { Persistent = true, MessageId = $"{jobId}-{copy.ToString(CultureInfo.InvariantCulture)}" }, delivery.Body);
        }

        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
    }

    public void Dispose() => _work.Delete(recursive: true);
}
