using System.Diagnostics;
using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Processes;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class CoresClockTests
{
    [Fact]
    public async Task A_converters_children_count_as_converting_and_a_parts_own_computing_as_that_part()
    {
        // A converter of its own, so that no other test's child of this process is counted: a shell that, once told to go
        // (after the clock's start), runs a child which only computes (about 0.5 s of CPU on the 2-core machine), computes
        // itself (half as long), says so, and waits to be told to end.
        using var converter = Process.Start(new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "read go; sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'; i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; echo converted; read line" },
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        })!;
        var clock = CoresClock.Start(pid => pid == converter.Id ? "converter" : null, [converter.Id])!;
        await converter.StandardInput.WriteLineAsync("go");
        await converter.StandardInput.FlushAsync();
        Assert.Equal("converted", await converter.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1)));

        var time = clock.Stop()!;
        await converter.StandardInput.WriteLineAsync("end");
        await converter.StandardInput.FlushAsync();
        await converter.WaitForExitAsync();

        Assert.True(time.Converting >= 0.1, $"The child's CPU time was not counted as converting: {time.Converting:F2} s.");
        Assert.True(time.Parts["converter"] >= 0.05, $"The converter's own CPU time was not counted as its part: {time.Parts["converter"]:F2} s.");
        Assert.True(time.Converting > time.Parts["converter"], "The child's time was counted in its parent's part, not as converting.");
        Assert.Single(time.Parts);
        // Every core online, which a container's limit or this process's affinity may not all give .NET.
        Assert.True(time.Cores >= Environment.ProcessorCount);
        // The machine's count holds what was counted apart (each rounded to a tick of 10 ms).
        Assert.True(time.Rest >= -0.05, $"Busy {time.Total - time.Idle:F2} s is less than converting {time.Converting:F2} s and the part {time.Parts["converter"]:F2} s.");
    }

    [Fact]
    public async Task The_stretch_is_its_wall_time_not_the_machines_count()
    {
        // /proc/stat's own idle count lags on a core asleep without its tick: the stretch's time is not taken from it.
        // The stretch holds the time between its start's return and its stop's call, and lies within the time from its
        // start's call to its stop's return.
        var around = Stopwatch.StartNew();
        var clock = CoresClock.Start(_ => null, [])!;
        var inside = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var atLeast = inside.Elapsed.TotalSeconds;
        var time = clock.Stop()!;
        var atMost = around.Elapsed.TotalSeconds;

        Assert.True(time.WallSeconds >= atLeast, $"A stretch of at least {atLeast:F3} s of wall time was counted as {time.WallSeconds:F3} s.");
        Assert.True(time.WallSeconds <= atMost, $"A stretch of at most {atMost:F3} s of wall time was counted as {time.WallSeconds:F3} s.");
    }

    [Fact]
    public void The_processes_that_are_no_part_are_not_asked_again_at_the_stop()
    {
        // Deciding a part reads names, arguments and ancestry: done for every process before the stretch, and at its stop
        // only for the parts and the new processes, so that a short stretch does not time its own scan of /proc.
        var askedAtStart = new HashSet<int>();
        var askedAtStop = new HashSet<int>();
        var stopping = false;
        string? PartOf(int pid)
        {
            (stopping ? askedAtStop : askedAtStart).Add(pid);
            return pid == Environment.ProcessId ? SystemParts.LoadTool : null;
        }

        var clock = CoresClock.Start(PartOf, [])!;
        stopping = true;
        var time = clock.Stop()!;

        Assert.Contains(Environment.ProcessId, askedAtStop);
        Assert.Equal([Environment.ProcessId], askedAtStop.Intersect(askedAtStart));
        Assert.True(askedAtStart.Count > 1, "Only this process was running.");
        Assert.Equal([SystemParts.LoadTool], time.Parts.Keys);
    }

    [Fact]
    public void A_clock_whose_converter_has_ended_reads_nothing()
    {
        using var child = Process.Start(new ProcessStartInfo("/bin/true"))!;
        child.WaitForExit();

        Assert.Null(CoresClock.Start(_ => null, [child.Id]));
    }

    [Fact]
    public void Stretches_add_up_and_divide_per_job_with_the_rest_what_no_count_holds()
    {
        var first = new CoresTime(Cores: 2, Total: 50, Idle: 4, Converting: 40, new Dictionary<string, double> { ["API"] = 1, ["workers"] = 2 });
        var second = new CoresTime(Cores: 2, Total: 30, Idle: 2, Converting: 24, new Dictionary<string, double> { ["API"] = 1 });

        var both = CoresTime.Sum([first, second]).Per(4);

        Assert.Equal(2, both.Cores);
        Assert.Equal(20, both.Total, 6);
        Assert.Equal(1.5, both.Idle, 6);
        Assert.Equal(16, both.Converting, 6);
        Assert.Equal(0.5, both.Parts["API"], 6);
        Assert.Equal(0.5, both.Parts["workers"], 6);
        Assert.Equal(1.5, both.Rest, 6);
    }

    [Theory]
    [InlineData("VideoConversion", "/repo/VideoConversion.Api/bin/Release/net10.0/VideoConversion.Api --urls http://+:18000", SystemParts.Api)]
    [InlineData("dotnet", "dotnet /repo/VideoConversion.Api/bin/Release/net10.0/VideoConversion.Api.dll manage users create benchmark", SystemParts.Api)]
    [InlineData("VideoConversion", "/repo/VideoConversion.Worker/bin/Release/net10.0/VideoConversion.Worker", SystemParts.Workers)]
    [InlineData("VideoConversion", "/repo/VideoConversion.Web/bin/Release/net10.0/VideoConversion.Web", SystemParts.Web)]
    [InlineData("VideoConversion", "/repo/VideoConversion.AppHost/bin/Release/net10.0/VideoConversion.AppHost", SystemParts.Aspire)]
    [InlineData("dcp", "/root/.nuget/packages/aspire.hosting.orchestration.linux-x64/13.6.5/tools/dcp start-apiserver", SystemParts.Aspire)]
    [InlineData("beam.smp", "/usr/lib/erlang/erts-12.2/bin/beam.smp -W w -MBas ageffcbf -- -root /usr/lib/erlang", SystemParts.Broker)]
    [InlineData("epmd", "/usr/lib/erlang/erts-12.2/bin/epmd -daemon", SystemParts.Broker)]
    [InlineData("node", "node /repo/tools/s3-standin/server.js", SystemParts.Storage)]
    [InlineData("node", "/usr/bin/node /repo/tools/s3-standin/server.js", SystemParts.Storage)]
    [InlineData("minio", "/usr/local/bin/minio server /data --address 127.0.0.1:9000", SystemParts.Storage)]
    [InlineData("postgres", "postgres: videoconversion jobs 127.0.0.1(5432) idle", SystemParts.Database)]
    // What `dotnet run` builds and starts is a process of its own; the wrapper around it is none of the parts.
    [InlineData("dotnet", "dotnet run --project /repo/VideoConversion.AppHost -c Release --no-launch-profile", null)]
    [InlineData("dotnet", "dotnet run --project /repo/VideoConversion.Api/VideoConversion.Api.csproj", null)]
    [InlineData("node", "node /elsewhere/server.js", null)]
    [InlineData("ffmpeg", "ffmpeg -i input.avi output.mp4", null)]
    [InlineData("bash", "bash scripts/benchmark", null)]
    public void A_process_is_put_to_its_part_by_its_name_and_command_line(string name, string commandLine, string? part) =>
        Assert.Equal(part, SystemParts.Of(name, commandLine.Split(' ')));
}
