using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;

namespace VideoConversion.UnitTests.Data;

/// <summary>
/// The database writer checkpoints SQLite's write-ahead log on a thread of its own (<see cref="WalCheckpointer"/>), not in
/// its COMMIT: committed pages reach the database file while the writer runs, long before the log's 1,000 pages at which
/// SQLite would checkpoint in a COMMIT by itself.
/// </summary>
public sealed class WalCheckpointTests : IDisposable
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-checkpoint-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Committed_pages_reach_the_database_file_while_the_writer_runs()
    {
        var file = await MigratedDatabase.CreateAsync(_work, Created);
        var before = new FileInfo(file).Length;
        long during = 0;
        await MigratedDatabase.WithWriterAsync(file, async writer =>
        {
            for (var write = 0; write < 40; write++)
            {
                await writer.WriteAsync(async (db, cancellationToken) =>
                {
                    for (var row = 0; row < 10; row++)
                    {
                        var id = $"j_{write:d3}_{row}";
                        await RowInsert.WriteAsync(db, Job.Create(id, "clip.mp4", null, $"{id}.mp4", Created, Created.AddHours(1), ownerId: "owner-1"), cancellationToken);
                    }

                    return 0;
                }, CancellationToken.None);
            }

            var log = new FileInfo(file + "-wal");
            Assert.True(log.Exists && log.Length > 0, "The writes are in the log first.");
            // A few of the checkpointer's seconds: the database file grows by the log's pages, the writer still running.
            var deadline = DateTime.UtcNow + WalCheckpointer.Interval * 10;
            while ((during = new FileInfo(file).Length) <= before && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        });

        Assert.True(during > before, $"The database file stayed at {before} bytes while the writer ran: nothing was checkpointed.");
    }
}
