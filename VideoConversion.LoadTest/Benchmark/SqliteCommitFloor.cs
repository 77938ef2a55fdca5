using System.Diagnostics;
using Microsoft.Data.Sqlite;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The cheapest durable write this machine can make: one row, committed alone, in a SQLite database beside the API's (the
/// same filesystem), in WAL mode and synced before it returns (synchronous=FULL: the durability the API's answers have). A
/// write of the API costs at least this, unless it shares its commit and its flush with others (group commit).
/// </summary>
public static class SqliteCommitFloor
{
    private const int Commits = 1000;

    public static async Task<Distribution> MeasureAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, $"commit-floor-{Guid.NewGuid():N}.db");
        try
        {
            await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            await connection.OpenAsync(cancellationToken);
            await using (var setup = connection.CreateCommand())
            {
                setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);";
                await setup.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO rows (payload) VALUES ($payload)";
            insert.Parameters.AddWithValue("$payload", new string('x', 200));
            var times = new List<double>(Commits);
            for (var i = 0; i < Commits; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await using (var transaction = connection.BeginTransaction(deferred: false))
                {
                    insert.Transaction = transaction;
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return Distribution.Of(times);
        }
        finally
        {
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
