namespace VideoConversion.Api.Accounts;

// The accounts' public contract. Property names travel as snake_case (see ApiJson).

/// <summary>Who the caller is.</summary>
public sealed record AccountResponse(string UserName, bool Administrator);

public sealed record CreateKeyRequest(string? Name);

/// <param name="Key">The key itself: shown this once, stored only as a hash.</param>
public sealed record CreatedKeyResponse(string Id, string Name, string Key, DateTimeOffset CreatedAt);

public sealed record KeyResponse(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record KeyList(IReadOnlyList<KeyResponse> Items);

/// <param name="Password">Optional: without one a password is generated and returned once.</param>
public sealed record CreateUserRequest(string? UserName, string? Password, bool Administrator = false);

/// <param name="Password">Only when the service generated it.</param>
public sealed record CreatedUserResponse(string UserName, bool Administrator, string? Password);
