namespace VideoConversion.Api.Accounts;

/// <summary>
/// A program's credential, owned by an account. Only a hash of its secret is stored: the key is
/// shown once, when it is made, and a copy of the database cannot be used to call the API.
/// </summary>
public sealed class ApiKey
{
    public required string Id { get; init; }

    public required string UserId { get; init; }

    public required string Name { get; init; }

    /// <summary>SHA-256 of the secret part. The secret is 256 random bits, so a fast hash is enough (no salt, no stretching).</summary>
    public required byte[] SecretHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public bool IsRevoked => RevokedAt is not null;

    /// <summary>Revoking twice keeps the first time.</summary>
    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;
}
