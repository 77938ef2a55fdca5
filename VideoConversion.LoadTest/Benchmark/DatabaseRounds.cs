using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The API's rounds on one system: its database, how many API processes served it, and the connection pool they used.
/// Written by <c>api-rounds</c> (JSON), read by <c>benchmark --database-comparison</c>, which sets them next to its own
/// SQLite rounds in the report.
/// </summary>
/// <param name="Database">The database as the report names it: SQLite or PostgreSQL.</param>
/// <param name="Pooling">The connection pool's settings, as the report states them.</param>
/// <param name="WorkersRunning">
/// Measured with the workers running (<c>api-rounds --workers-running</c>), not paused: not the rounds the report compares.
/// </param>
public sealed record DatabaseRounds(string Database, int ApiReplicas, string Pooling, IReadOnlyList<ApiBenchmark.Round> Rounds, bool WorkersRunning = false)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The round in the middle by submissions a second: the one that stands for the system, as in the SQLite run.</summary>
    [JsonIgnore]
    public ApiBenchmark.Round Middle => ApiBenchmark.Round.Middle(Rounds);

    /// <summary>
    /// These rounds, if the workers were paused during them (read from <paramref name="path"/>): <c>benchmark --database-comparison</c>
    /// sets only such rounds beside its own paused ones.
    /// </summary>
    public DatabaseRounds WithWorkersPaused(string path) => WorkersRunning
        ? throw new LoadTestException($"{path} was measured with the workers running (api-rounds --workers-running): the databases are compared with the workers paused.")
        : this;

    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, this, Json, cancellationToken);
    }

    public static async Task<DatabaseRounds> ReadAsync(string path, CancellationToken cancellationToken)
    {
        DatabaseRounds? rounds;
        try
        {
            await using var file = File.OpenRead(path);
            rounds = await JsonSerializer.DeserializeAsync<DatabaseRounds>(file, Json, cancellationToken);
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new LoadTestException($"Cannot read the API rounds in {path}: {problem.Message}");
        }

        return rounds is { Rounds.Count: > 0 } ? rounds : throw new LoadTestException($"{path} holds no API rounds.");
    }
}
