using System.Text;
using Minio.DataModel.Args;
using RabbitMQ.Client;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// No job stays PROCESSING for ever: a report the API cannot apply is kept in the report
/// dead-letter queue, and the job it was about is closed by the reconciler from its stored output.
/// The test plays a worker whose DONE report comes out garbled, against the real broker and storage.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class LostReportTests(FaultSystemFixture system, ITestOutputHelper log) : IDisposable
{
    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-lost-report-");

    [Fact]
    public async Task A_malformed_report_is_dead_lettered_and_the_job_still_ends_done_through_the_reconciler()
    {
        var metricsBefore = await system.ApiManagement.ScrapeMetricsAsync();
        var input = await TestMedia.MjpegAviAsync(_work.FullName, 2);
        var output = await InputCorpus.CreateAsync(InputCorpus.Named("ready.mp4"), _work.FullName);
        await system.KillWorkerAsync(); // the test takes the job in its place
        try
        {
            var jobId = await _api.StartJobAsync(input);
            await using var broker = await system.BrokerConnectionAsync();
            await using var channel = await broker.CreateChannelAsync();
            var delivery = await Polling.WaitForAsync(async () => await channel.BasicGetAsync(QueueNames.VideoJobs, autoAck: false),
                "the job message", TimeSpan.FromMinutes(1));
            Assert.Equal(jobId, MessageSerializer.TryDeserialize<VideoJobMessage>(delivery.Body)!.JobId);

            // A worker's attempt: it starts, stores its checked output, and its DONE report is garbled.
            await PublishReportAsync(channel, MessageSerializer.Serialize(
                new JobReport(jobId, JobReportKind.Processing, 0, DateTimeOffset.UtcNow, Attempt: 1)));
            await Polling.WaitUntilAsync(async () => (await _api.GetJobAsync(jobId)).GetProperty("status").GetString() == "PROCESSING", "PROCESSING");
            using (var storage = await system.StorageClientAsync())
            {
                await storage.PutObjectAsync(new PutObjectArgs()
                    .WithBucket(StorageNames.OutputBucket).WithObject(StorageNames.OutputKey(jobId))
                    .WithFileName(output).WithContentType("video/mp4")
                    .WithHeaders(new Dictionary<string, string> { ["x-amz-meta-" + StorageNames.ConversionMethodMetadata] = "remux" }));
            }

            var deadBefore = (await channel.QueueDeclarePassiveAsync(QueueNames.JobReportsDead)).MessageCount;
            await PublishReportAsync(channel, Encoding.UTF8.GetBytes($$"""{"job_id": "{{jobId}}", "kind": "DONE", "progress": """));
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);

            await Polling.WaitUntilAsync(async () => (await channel.QueueDeclarePassiveAsync(QueueNames.JobReportsDead)).MessageCount > deadBefore,
                "the garbled report in video_job_reports.dead", TimeSpan.FromSeconds(30));
            var (job, seen) = await _api.WaitForOutcomeAsync(jobId, FaultSystemFixture.StallLimit * 3);
            log.WriteLine($"1 job whose DONE report was garbled: {string.Join(" → ", seen)}");

            Assert.Equal("DONE", job.GetProperty("status").GetString());
            Assert.Equal(new FileInfo(output).Length, job.GetProperty("output_bytes").GetInt64());
            Assert.Equal("remux", job.GetProperty("conversion_method").GetString());
            var metricsAfter = await system.ApiManagement.ScrapeMetricsAsync();
            PrometheusText.AssertGrew(metricsBefore, metricsAfter, "videoconversion_job_reports_dead_lettered_total", 1,
                ("videoconversion_dead_letter_reason", "unreadable"));
            PrometheusText.AssertGrew(metricsBefore, metricsAfter, "videoconversion_jobs_reconciled_total", 1,
                ("videoconversion_reconcile_action", "done"));
        }
        finally
        {
            await system.StartWorkerAsync();
        }
    }

    private static async Task PublishReportAsync(IChannel channel, byte[] body) =>
        await channel.BasicPublishAsync("", QueueNames.JobReports, mandatory: true,
            new BasicProperties { Persistent = true, ContentType = "application/json" }, body);

    public void Dispose() => _work.Delete(recursive: true);
}
