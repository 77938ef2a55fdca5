namespace VideoConversion.Api.Data;

/// <summary>
/// What a write of the database writer locks beyond the rows it makes: the one account whose totals it checks or changes,
/// and the one job whose row it updates, if any. On PostgreSQL the write then commits in a group with the account's other
/// writes, which takes every such lock of the group before any of its writes runs
/// (<see cref="DatabaseWriter"/>'s <c>CommitAccountsTogetherAsync</c> says why).
/// </summary>
/// <param name="AccountId">The account whose lock the write takes or whose totals its rows change (the triggers).</param>
/// <param name="JobId">The job whose row it updates; null when it only adds rows (a new job).</param>
public sealed record WriteLocks(string AccountId, string? JobId = null);
