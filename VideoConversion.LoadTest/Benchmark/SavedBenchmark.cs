using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// A benchmark run as measured: its results, the settings its report reads, the other databases' rounds set next to it,
/// and when it ran. Saved beside the run's work (<see cref="FileName"/>) so that its report can be written again
/// (<c>benchmark-report</c>) when the report's wording changes, without an hour of measurements: the method's constants
/// (the write target, the polling interval) are the code's that writes it, so it is for wording, not for a changed method.
/// The API key is not saved.
/// </summary>
/// <param name="MeasuredOn">The day the run measured, which the report names.</param>
public sealed record SavedBenchmark(
    SystemBenchmark.Results Results, BenchmarkSettings Settings, IReadOnlyList<DatabaseRounds> OtherDatabases, DateOnly MeasuredOn)
{
    public const string FileName = "results.json";

    /// <summary>
    /// NaN and infinities as names: a phase with no calls has no rate, and the report says so rather than failing. Every
    /// constructor parameter without a default must be there: a file that is not a run (an api-rounds file, say) is refused.
    /// </summary>
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, RespectRequiredConstructorParameters = true,
    };

    /// <summary>The run as measured today, its settings without the API key.</summary>
    public static SavedBenchmark Of(SystemBenchmark.Results results, BenchmarkSettings settings, IReadOnlyList<DatabaseRounds> otherDatabases) =>
        new(results, settings with { Api = settings.Api with { Key = null } }, otherDatabases, DateOnly.FromDateTime(DateTime.UtcNow));

    /// <summary>The report, as the run wrote it.</summary>
    public string Markdown() => BenchmarkReport.Markdown(Results, Settings, "scripts/benchmark", OtherDatabases, MeasuredOn);

    /// <summary>Written whole or not at all: a run that fails to save leaves the last run's file as it was.</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        await using (var file = File.Create(partial))
        {
            await JsonSerializer.SerializeAsync(file, this, Json, cancellationToken);
        }

        File.Move(partial, path, overwrite: true);
    }

    public static async Task<SavedBenchmark> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<SavedBenchmark>(file, Json, cancellationToken)
                ?? throw new LoadTestException($"{path} holds no benchmark run.");
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new LoadTestException($"Cannot read the benchmark run in {path}: {problem.Message}");
        }
    }
}
