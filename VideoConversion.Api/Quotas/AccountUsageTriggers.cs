namespace VideoConversion.Api.Quotas;

/// <summary>
/// The triggers on jobs that keep account_usage in step with every job change (see the AccountUsageTotals migration). A
/// later migration that rebuilds the jobs table drops them with it and must create them again: the API refuses to start
/// without them (DatabaseInitializer), rather than let quotas drift.
/// </summary>
public static class AccountUsageTriggers
{
    public const string Insert = "jobs_account_usage_insert";
    public const string Update = "jobs_account_usage_update";
    public const string Delete = "jobs_account_usage_delete";

    public static IReadOnlyList<string> All { get; } = [Insert, Update, Delete];
}
