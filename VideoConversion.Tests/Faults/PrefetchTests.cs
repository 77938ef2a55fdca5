using System.Text.Json;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Jobs;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// A worker takes its next job while it converts one, and downloads its input meanwhile, without giving up what one job
/// at a time promised: the broker counts at most two unacknowledged jobs per worker, an idle worker wins a job over a busy
/// worker's spare slot, and on SIGTERM the job in hand finishes while the waiting one goes back to the queue unstarted.
/// The worker prefetches here whatever the broker's version (its default needs RabbitMQ 4.3).
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class PrefetchTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromMinutes(8);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-prefetch-");

    [Fact]
    public async Task A_prefetching_worker_holds_at_most_two_jobs_and_on_sigterm_finishes_one_and_hands_back_the_waiting_one()
    {
        await PrefetchingAsync(HoldsAtMostTwoAndHandsBackTheWaitingOneAsync);
    }

    private async Task HoldsAtMostTwoAndHandsBackTheWaitingOneAsync()
    {
        // Most of the drain period to convert: it finishes within it, and the broker's statistics (a few seconds old) catch up meanwhile.
        var small = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var converting = await _api.StartJobAsync(
            await _api.InputTakingAsync(_work.FullName, "converting.avi", FaultSystemFixture.WorkerDrainTimeout * 0.6, BatchTimeout));
        await Polling.WaitUntilAsync(async () => Status(await _api.GetJobAsync(converting)) == "PROCESSING", "the first job converting");
        var waiting = await _api.StartJobAsync(small);
        var queued = await _api.StartJobAsync(small);
        using var broker = await BrokerManagement.ConnectAsync(system.App);
        await using var connection = await system.BrokerConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();

        // The broker's view: one worker, two consumers of one job each.
        // (The plugin learns of a consumer registered again after each acknowledgement a moment later.)
        var consumers = await Polling.WaitForAsync(async () =>
            await broker.ConsumersAsync(QueueNames.VideoJobs) is { Count: 2 } both ? both : null, "the worker's two consumers", TimeSpan.FromSeconds(30));
        Assert.All(consumers, consumer => Assert.Equal(1, consumer.Prefetch));
        Assert.Equal([ConversionSlots.BusyPriority, ConversionSlots.IdlePriority], consumers.Select(consumer => consumer.Priority).Order());
        // Of three jobs the worker takes two, the one converting and the next, and leaves the third ready in the queue.
        await Polling.WaitUntilAsync(async () => (await channel.QueueDeclarePassiveAsync(QueueNames.VideoJobs)).MessageCount == 1,
            "the worker to take the next job while it converts", TimeSpan.FromSeconds(30));
        var scratchRoot = await ScratchRootAsync();
        await Polling.WaitUntilAsync(() => Task.FromResult(Directory.GetDirectories(scratchRoot, $"{waiting}-*")
            .SelectMany(directory => Directory.GetFiles(directory, "input*"))
            .Any(file => new FileInfo(file).Length == new FileInfo(small).Length)), "the waiting job's input downloaded whole", TimeSpan.FromSeconds(30));
        for (var sample = 0; sample < 5; sample++)
        {
            Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync(QueueNames.VideoJobs)).MessageCount);
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        var held = await JobsAsync(converting, waiting, queued);
        output.WriteLine($"held by the worker: {string.Join(", ", held.Select(Describe))}; consumers (prefetch, priority): {string.Join(", ", consumers)}");
        Assert.Equal(["PROCESSING", "PENDING", "PENDING"], held.Select(Status));
        Assert.Equal(0, held[1].GetProperty("attempts").GetInt32());

        var signalled = DateTimeOffset.UtcNow;
        var exitCode = await system.TerminateWorkerAsync(FaultSystemFixture.WorkerDrainTimeout + TimeSpan.FromSeconds(30));
        var afterStop = await JobsAsync(converting, waiting, queued);
        output.WriteLine($"SIGTERM; exit code {exitCode}; {string.Join(", ", afterStop.Select(Describe))}");
        var leftovers = Directory.GetDirectories(scratchRoot, $"{waiting}-*");
        await system.StartWorkerAsync();

        Assert.Equal(0, exitCode);
        // The job in hand finished within the drain.
        Assert.Equal("DONE", Status(afterStop[0]));
        Assert.True(afterStop[0].GetProperty("finished_at").GetDateTimeOffset() > signalled, "the converting job must have finished after the signal");
        // The waiting one never started: no attempt counted, nothing reported, its downloaded input removed.
        Assert.Equal("PENDING", Status(afterStop[1]));
        Assert.Equal(0, afterStop[1].GetProperty("attempts").GetInt32());
        Assert.Empty(leftovers);

        // Handed back, not failed: the next worker converts both on their first attempt.
        foreach (var jobId in new[] { waiting, queued })
        {
            var (job, seen) = await _api.WaitForOutcomeAsync(jobId, BatchTimeout);
            output.WriteLine($"{jobId}: {string.Join(" → ", seen)}");
            Assert.Equal("DONE", Status(job));
            Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        }
    }

    [Fact]
    public async Task An_idle_worker_wins_a_job_over_a_busy_workers_spare_slot()
    {
        await PrefetchingAsync(IdleWorkerWinsAsync);
    }

    private async Task IdleWorkerWinsAsync()
    {
        var busy = await _api.StartJobAsync(
            await _api.InputTakingAsync(_work.FullName, "busy.avi", TimeSpan.FromSeconds(40), BatchTimeout));
        await Polling.WaitUntilAsync(async () => Status(await _api.GetJobAsync(busy)) == "PROCESSING", "the first worker converting");
        using var broker = await BrokerManagement.ConnectAsync(system.App);
        var second = await system.StartSecondWorkerAsync();
        try
        {
            // Both workers consume: the busy one's spare slot at the busy priority, the idle one's at the idle priority.
            var consumers = await Polling.WaitForAsync(async () =>
                await broker.ConsumersAsync(QueueNames.VideoJobs) is { Count: 4 } all ? all : null, "both workers consuming", TimeSpan.FromMinutes(1));
            output.WriteLine($"consumers (prefetch, priority): {string.Join(", ", consumers)}");

            // One job after the other, each while the first worker still converts: were priorities ignored, each would land
            // on the busy worker's spare slot as often as on one of the idle worker's two, and wait there.
            var small = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
            for (var i = 0; i < 3; i++)
            {
                var next = await _api.StartJobAsync(small);
                var (job, seen) = await _api.WaitForOutcomeAsync(next, BatchTimeout);
                var first = await _api.GetJobAsync(busy);
                output.WriteLine($"job {i + 1}: {string.Join(" → ", seen)}; the busy worker's job meanwhile: {Describe(first)}");

                // The busy worker converts one job at a time: had its spare slot taken the job, it would still wait.
                Assert.Equal("DONE", Status(job));
                Assert.Equal("PROCESSING", Status(first));
            }
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
            second.Dispose();
        }

        Assert.Equal("DONE", Status((await _api.WaitForOutcomeAsync(busy, BatchTimeout)).Job));
    }

    /// <summary>Runs <paramref name="test"/> with the worker prefetching, then puts the worker back to its default.</summary>
    private async Task PrefetchingAsync(Func<Task> test)
    {
        system.WorkerPrefetchesNextJob = true;
        await system.RestartWorkerAsync();
        try
        {
            await test();
        }
        finally
        {
            system.WorkerPrefetchesNextJob = null;
            await system.RestartWorkerAsync();
        }
    }

    /// <summary>Where the running worker makes its scratch directories: its setting, else its default below its temporary directory.</summary>
    private async Task<string> ScratchRootAsync()
    {
        var environment = await system.App.EnvironmentAsync(SystemFixture.Worker);
        return environment.GetValueOrDefault("Conversion__ScratchDirectory")
            ?? Path.Combine(environment.GetValueOrDefault("TMPDIR") ?? "/tmp", "videoconversion");
    }

    private async Task<List<JsonElement>> JobsAsync(params string[] jobIds)
    {
        List<JsonElement> jobs = [];
        foreach (var jobId in jobIds)
        {
            jobs.Add(await _api.GetJobAsync(jobId));
        }

        return jobs;
    }

    private static string Describe(JsonElement job) =>
        $"{job.GetProperty("job_id").GetString()} {Status(job)} (attempts {job.GetProperty("attempts").GetInt32()})";

    private static string Status(JsonElement job) => job.GetProperty("status").GetString()!;

    public void Dispose() => _work.Delete(recursive: true);
}
