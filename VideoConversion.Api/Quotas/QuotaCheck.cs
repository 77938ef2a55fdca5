namespace VideoConversion.Api.Quotas;

/// <summary>
/// What a write adds to an account's totals, for its quotas to be checked by the write's own statement on PostgreSQL
/// (<see cref="QuotaCheckSql"/>): the same check as comparing <see cref="AccountUsage.LockAndReadAsync"/>'s totals with
/// <paramref name="Limits"/>.
/// </summary>
/// <param name="AddsActiveJob">The write makes one more active job: the account must have fewer than <see cref="QuotaOptions.MaxActiveJobs"/>.</param>
/// <param name="AddedBytes">
/// The bytes the write adds to the account's storage, when it adds a known number: its total must stay within
/// <see cref="QuotaOptions.MaxStoredBytes"/>. Null: storage is not checked.
/// </param>
public sealed record QuotaCheck(string OwnerId, bool AddsActiveJob, long? AddedBytes, QuotaOptions Limits);
