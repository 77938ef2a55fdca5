namespace VideoConversion.Web.Accounts;

// What the API answers about accounts and keys, as the page reads it.

public sealed record AccountSummary(string UserName, bool Administrator);

public sealed record KeySummary(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record CreatedKey(string Id, string Name, string Key, DateTimeOffset CreatedAt);

public sealed record CreatedAccount(string UserName, bool Administrator, string? Password);
