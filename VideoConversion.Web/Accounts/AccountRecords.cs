namespace VideoConversion.Web.Accounts;

// What the API answers about accounts and keys, as the page reads it.

public sealed record AccountSummary(string UserName, bool Administrator);

public sealed record KeySummary(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record CreatedKey(string Id, string Name, string Key, DateTimeOffset CreatedAt);

public sealed record CreatedAccount(string UserName, bool Administrator, string? Password);

/// <param name="ApiKeyId">The key whose jobs it hears of; null for every job of the account.</param>
public sealed record WebhookSummary(string Id, string Url, string? ApiKeyId, DateTimeOffset CreatedAt);

public sealed record CreatedWebhook(string Id, string Url, string? ApiKeyId, string Secret, DateTimeOffset CreatedAt);

public sealed record WebhookDeliverySummary(
    string Id, string JobId, string EventType, string Status, int Attempts, DateTimeOffset CreatedAt, int? LastStatusCode, string? LastError);
