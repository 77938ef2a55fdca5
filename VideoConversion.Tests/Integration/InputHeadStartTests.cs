using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Minio.DataModel.Args;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Jobs;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// A job's input downloaded ahead of its attempt, against the system's storage: a head start (the job has its turn) is
/// the attempt's own download, so its failure fails the attempt as a download there would, and is never made twice;
/// a waiting job's download that fails is forgotten, for its attempt to make again. Either way it leaves nothing behind.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class InputHeadStartTests(SystemFixture system) : IDisposable
{
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(1);

    private readonly string _scratchRoot = Directory.CreateTempSubdirectory("head-start-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task A_head_start_brings_the_input_whole_and_its_files_go_with_it()
    {
        var (job, content) = await StoreInputAsync();
        using var storage = await system.StorageClientAsync();
        using var downloader = new InputDownloader(storage);

        var headStart = Start(job, downloader, TransferTimeout, headStart: true);
        Assert.True(await headStart.ReadyAsync(CancellationToken.None));
        Assert.Equal(content, await File.ReadAllBytesAsync(headStart.File));

        // Disposed by the attempt, then by its owner: the second does nothing.
        await headStart.DisposeAsync();
        await headStart.DisposeAsync();
        Assert.False(Directory.Exists(headStart.Scratch.Path));
    }

    [Fact]
    public async Task A_head_start_of_an_input_replaced_since_submission_fails_the_attempt_as_the_files_own()
    {
        var (job, _) = await StoreInputAsync();
        using var storage = await system.StorageClientAsync();
        using var downloader = new InputDownloader(storage);

        await using var headStart = Start(job with { InputETag = "0123456789abcdef0123456789abcdef" }, downloader, TransferTimeout, headStart: true);

        // Storage's own 412 on If-Match, as the attempt's download would have met it: the verdict is the attempt's.
        var failure = await Assert.ThrowsAsync<ConversionFailedException>(() => headStart.ReadyAsync(CancellationToken.None));
        Assert.Equal(FailureCause.InputChanged, failure.Cause);
        Assert.Equal(InputDownloader.InputChangedMessage, failure.Message);
    }

    [Fact]
    public async Task A_waiting_jobs_failed_download_is_forgotten_for_its_attempt_to_make_again()
    {
        var (job, _) = await StoreInputAsync();
        using var storage = await system.StorageClientAsync();
        using var downloader = new InputDownloader(storage);

        var prefetched = Start(job with { InputETag = "0123456789abcdef0123456789abcdef" }, downloader, TransferTimeout, headStart: false);

        Assert.False(await prefetched.ReadyAsync(CancellationToken.None));
        await prefetched.DisposeAsync();
        Assert.False(Directory.Exists(prefetched.Scratch.Path));
    }

    [Fact]
    public async Task A_head_start_past_its_time_limit_fails_the_attempt_as_a_fault_of_storage()
    {
        // Storage that takes the request and never answers.
        var (server, address) = await LoopbackServer.StartAsync(app =>
            app.Map("/{**path}", (HttpContext context) => Task.Delay(Timeout.Infinite, context.RequestAborted)));
        await using var silentStorage = server;
        using var storage = ObjectStorageExtensions.CreateClient(address, new StorageConnection(address, "head-start-test", "head-start-secret"));
        using var downloader = new InputDownloader(storage);
        var job = new VideoJobMessage(JobId.New(), StorageNames.InputPath("silent.mp4"), "mp4", InputBytes: 1000);

        await using var headStart = Start(job, downloader, TimeSpan.FromSeconds(1), headStart: true);

        var failure = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => headStart.ReadyAsync(CancellationToken.None));
        Assert.Equal(FailureCause.StorageUnavailable, FailureClassifier.Classify(failure).Cause);
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_scratchRoot, recursive: true);
    }

    private PrefetchedInput Start(VideoJobMessage job, InputDownloader downloader, TimeSpan transferTimeout, bool headStart) =>
        PrefetchedInput.Start(job, _scratchRoot, inputBytesHeld: 0, transferTimeout, headStart, downloader,
            new ConversionMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger.Instance)
        ?? throw new InvalidOperationException("The scratch disk has no room for the test's input.");

    /// <summary>An upload in the input bucket, and the job message that names it as submitted (its ETag and size).</summary>
    private async Task<(VideoJobMessage Job, byte[] Content)> StoreInputAsync()
    {
        var jobId = JobId.New();
        var content = new byte[300_000];
        new Random(7).NextBytes(content);
        using var storage = await system.StorageClientAsync();
        using var stream = new MemoryStream(content);
        var stored = await storage.PutObjectAsync(new PutObjectArgs().WithBucket(StorageNames.InputBucket).WithObject($"{jobId}.mp4")
            .WithStreamData(stream).WithObjectSize(content.Length));
        return (new VideoJobMessage(jobId, StorageNames.InputPath($"{jobId}.mp4"), "mp4", InputETag: stored.Etag, InputBytes: content.Length), content);
    }
}
