using System.Data.Common;
using Npgsql;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Quotas;

/// <summary>
/// PostgreSQL: a write whose own statement checks its account's quotas (<see cref="QuotaCheck"/>), sent in one round trip
/// with the account's lock (<see cref="AccountLock"/>), where reading the totals first and writing after took two. Both
/// are inside the lane that runs an account's writes one after another, so each round trip saved is saved for every write.
/// In a group of the account's writes the statement goes without its lock, in the round trip that takes the group's
/// locks, after them (<see cref="DatabaseWriter"/>): the same order, one round trip for the whole group.
/// </summary>
/// <remarks>
/// The lock is a statement of its own, before the write's, in the same command: the write's statement starts once the lock
/// is granted, and so reads the totals every write committed before left (READ COMMITTED: each statement sees what is
/// committed when it starts). The write's statement reads the totals from <see cref="Room"/>, a source of one row when
/// the account has room for the write and none when it has not, so a write without room writes nothing. Its caller then
/// decides again the way it did before: the totals read (and a submission's job again, since its statement also writes
/// nothing for a job changed since it was read), which says why. A refusal is rare; it costs those round trips more.
/// </remarks>
internal static class QuotaCheckSql
{
    /// <summary>The statement that takes the account's lock, to go first in the write's command.</summary>
    public static string Lock { get; } = TransactionLock.Statement("@quota_lock");

    /// <summary>
    /// A FROM source of one row when the account's totals (none yet: zero) leave room for the write, none when not:
    /// fewer active jobs than the limit when <paramref name="addsActiveJob"/>, the stored bytes with the added ones within
    /// the limit when <paramref name="addsBytes"/>.
    /// </summary>
    public static string Room(JobsDbContext db, bool addsActiveJob, bool addsBytes)
    {
        var totals = RowRead.For<AccountUsageTotals>(db);
        List<string> room = [];
        if (addsActiveJob)
        {
            room.Add("account_totals.active_jobs < @quota_max_active_jobs");
        }

        if (addsBytes)
        {
            // The limit less the added bytes, not the totals plus them: the same test, with no sum to overflow.
            room.Add("account_totals.stored_bytes <= @quota_max_stored_bytes - @quota_added_bytes");
        }

        // Aggregates over the account's row, or over none: always one row, so an account without totals yet counts as zero.
        var accountTotals = $"(SELECT COALESCE(MAX({totals.Column(nameof(AccountUsageTotals.ActiveJobs))}), 0) AS active_jobs, " +
            $"COALESCE(MAX({totals.Column(nameof(AccountUsageTotals.StoredBytes))}), 0) AS stored_bytes " +
            $"{totals.From} WHERE {totals.Column(nameof(AccountUsageTotals.OwnerId))} = @quota_owner) AS account_totals";
        return room.Count == 0 ? accountTotals : $"{accountTotals} WHERE {string.Join(" AND ", room)}";
    }

    /// <summary>Binds <see cref="Room"/>'s parameters for <paramref name="check"/>, and the lock's when the command takes it.</summary>
    public static void Bind(DbCommand command, JobsDbContext db, QuotaCheck check, bool withLock)
    {
        var totals = RowRead.For<AccountUsageTotals>(db);
        if (withLock)
        {
            command.Parameters.Add(new NpgsqlParameter<long>("quota_lock", AccountLock.KeyOf(check.OwnerId)));
        }

        command.Parameters.Add(WriterCommands.Parameter(command, totals.Key, "quota_owner", check.OwnerId));
        if (check.AddsActiveJob)
        {
            command.Parameters.Add(new NpgsqlParameter<int>("quota_max_active_jobs", check.Limits.MaxActiveJobs));
        }

        if (check.AddedBytes is { } added)
        {
            command.Parameters.Add(new NpgsqlParameter<long>("quota_added_bytes", added));
            command.Parameters.Add(new NpgsqlParameter<long>("quota_max_stored_bytes", check.Limits.MaxStoredBytes));
        }
    }

    /// <summary>
    /// Runs the lock and the write (whose statement ends in <c>RETURNING 1</c>): true when the write returned its row, false
    /// when the account had no room (or the write's own condition held it back) and nothing was written.
    /// </summary>
    public static async Task<bool> WroteAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.NextResultAsync(cancellationToken))
        {
            throw new InvalidOperationException($"The command answered once, not for its lock and its write: {command.CommandText}");
        }

        return await reader.ReadAsync(cancellationToken);
    }
}
