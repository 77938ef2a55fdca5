using System.Text.Json.Nodes;
using VideoConversion.LoadTest;
using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class DatabaseRoundsTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"rounds-{Guid.NewGuid():N}.json");

    private static ApiBenchmark.Phase Phase(string call) => new(call, 1000, 0, 1, 1000, new Distribution(5, 4, 9, 20, 30),
        ClientPauseMilliseconds: 3.5, SlowestCalls: [new TimedCall(12.5, 30), new TimedCall(13, 29)], LatestTimer: new LateTimer(12, 18.5),
        ApiSide: ApiSide);

    /// <summary>A slowest step beyond the last bucket is infinite: JSON has no number for it.</summary>
    private static readonly ApiSideTimes ApiSide =
        new(new StepTimes(1000, 2, 50), new StepTimes(400, 0, 5), new StepTimes(300, 1, double.PositiveInfinity), new StepTimes(0, 0, null));

    private static DatabaseRounds Rounds() => new("SQLite", 1, "the API's own",
        [new ApiBenchmark.Round(Phase("POST /upload/request"), Phase("POST /jobs"), Phase("GET /jobs/{id}"))]);

    [Fact]
    public async Task A_phases_slowest_calls_pause_timer_and_api_side_survive_the_file()
    {
        await Rounds().WriteAsync(_file, CancellationToken.None);

        var submit = (await DatabaseRounds.ReadAsync(_file, CancellationToken.None)).Rounds.Single().Submit;

        Assert.Equal([new TimedCall(12.5, 30), new TimedCall(13, 29)], submit.SlowestCalls);
        Assert.Equal(3.5, submit.ClientPauseMilliseconds);
        Assert.Equal(new LateTimer(12, 18.5), submit.LatestTimer);
        Assert.Equal(ApiSide, submit.ApiSide);
    }

    [Fact]
    public async Task Rounds_written_before_the_calls_were_kept_are_still_read()
    {
        await Rounds().WriteAsync(_file, CancellationToken.None);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(_file))!;
        foreach (var phase in new[] { "Create", "Submit", "Read" })
        {
            var fields = json["Rounds"]![0]![phase]!.AsObject();
            fields.Remove("ClientPauseMilliseconds");
            fields.Remove("SlowestCalls");
            fields.Remove("LatestTimer");
            fields.Remove("ApiSide");
        }

        json.AsObject().Remove("WorkersRunning");
        await File.WriteAllTextAsync(_file, json.ToJsonString());

        var read = await DatabaseRounds.ReadAsync(_file, CancellationToken.None);
        var submit = read.Rounds.Single().Submit;

        Assert.Null(submit.SlowestCalls);
        Assert.Null(submit.ClientPauseMilliseconds);
        Assert.Null(submit.LatestTimer);
        Assert.Null(submit.ApiSide);
        Assert.Equal(1000, submit.PerSecond);
        // Rounds from before the field were all measured with the workers paused.
        Assert.False(read.WorkersRunning);
        Assert.Same(read, read.WithWorkersPaused(_file));
    }

    [Fact]
    public async Task Rounds_made_with_the_workers_running_say_so_and_are_refused_for_the_comparison_of_paused_rounds()
    {
        await (Rounds() with { WorkersRunning = true }).WriteAsync(_file, CancellationToken.None);
        var running = await DatabaseRounds.ReadAsync(_file, CancellationToken.None);
        await Rounds().WriteAsync(_file, CancellationToken.None);
        var paused = await DatabaseRounds.ReadAsync(_file, CancellationToken.None);

        Assert.True(running.WorkersRunning);
        var refused = Assert.Throws<LoadTestException>(() => running.WithWorkersPaused(_file));
        Assert.Contains("--workers-running", refused.Message, StringComparison.Ordinal);
        Assert.Same(paused, paused.WithWorkersPaused(_file));
    }

    public void Dispose() => File.Delete(_file);
}
