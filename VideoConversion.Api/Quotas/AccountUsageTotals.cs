namespace VideoConversion.Api.Quotas;

/// <summary>
/// A row of account_usage: an account's active jobs and stored bytes, kept by database triggers on jobs (see the
/// AccountUsageTotals migration), never written by code.
/// </summary>
public sealed class AccountUsageTotals
{
    public required string OwnerId { get; init; }

    public int ActiveJobs { get; init; }

    public long StoredBytes { get; init; }
}
