using System.CommandLine;
using VideoConversion.LoadTest.Benchmark;

namespace VideoConversion.UnitTests.LoadTest;

/// <summary>
/// --runs is refused below 1 when the command line is read: with no runs there is no median, and a benchmark that
/// started anyway failed at its end, after an hour of measuring.
/// </summary>
public sealed class RunsOptionTests
{
    public static TheoryData<string> Commands => new() { "benchmark", "api-rounds" };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Fewer_than_one_run_is_refused_with_the_reason(string name)
    {
        foreach (var runs in new[] { "0", "-1", "two" })
        {
            var errors = Errors(name, runs);

            Assert.Contains(errors, error => error.Contains($"'{runs}' is not a number of runs: at least 1", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void One_run_or_more_is_taken(string name)
    {
        var command = Build(name);

        var parsed = command.Parse(["--runs", "2"]);

        Assert.DoesNotContain(parsed.Errors, error => error.Message.Contains("runs", StringComparison.Ordinal));
        Assert.Equal(2, parsed.GetValue<int>("--runs"));
    }

    [Fact]
    public void The_benchmarks_job_runs_are_refused_below_1_and_taken_from_1()
    {
        var command = BenchmarkCommand.Build();

        foreach (var runs in new[] { "0", "-1", "two" })
        {
            Assert.Contains(command.Parse(["--job-runs", runs]).Errors, error => error.Message.Contains($"'{runs}' is not a number of runs: at least 1", StringComparison.Ordinal));
        }

        var one = command.Parse(["--job-runs", "1"]);
        Assert.DoesNotContain(one.Errors, error => error.Message.Contains("runs", StringComparison.Ordinal));
        Assert.Equal(1, one.GetValue<int>("--job-runs"));
        Assert.Equal(5, command.Parse([]).GetValue<int>("--job-runs"));
    }

    private static List<string> Errors(string name, string runs) =>
        Build(name).Parse(["--runs", runs]).Errors.Select(error => error.Message).ToList();

    private static Command Build(string name) => name == "benchmark" ? BenchmarkCommand.Build() : ApiRoundsCommand.Build();
}
