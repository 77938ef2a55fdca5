using System.Collections.Concurrent;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// The API keys that called lately, with their account and roles, so a request with a known key reads nothing from the
/// database to be authenticated. An entry is read again after <see cref="Lifetime"/>, so a change made by another process
/// shows within it; a revocation made here shows at once. Only keys that exist are kept, and no more than
/// <see cref="MaxEntries"/> of them.
/// </summary>
public sealed class ApiKeyCache(TimeProvider time)
{
    /// <summary>How long an entry is trusted: a key revoked by another process stops working within this.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _keys = new(StringComparer.Ordinal);

    /// <param name="Roles">Its account's roles.</param>
    public sealed record Entry(byte[] SecretHash, string UserId, string UserName, IReadOnlyList<string> Roles, bool IsRevoked, DateTimeOffset LoadedAt);

    /// <summary>The key as last read, unless that is older than <see cref="Lifetime"/>.</summary>
    public Entry? Find(string keyId) =>
        _keys.TryGetValue(keyId, out var entry) && time.GetUtcNow() - entry.LoadedAt < Lifetime ? entry : null;

    /// <summary>
    /// A key as just read from the database. It replaces an expired entry, never a live one: a revocation recorded
    /// meanwhile (<see cref="Revoked"/>) is not undone by a read that began before it.
    /// </summary>
    public void Loaded(string keyId, Entry entry)
    {
        if (_keys.Count >= MaxEntries)
        {
            // A flood of distinct real keys: the expired go first, then the rest, never a revocation that is still live.
            var now = time.GetUtcNow();
            foreach (var (id, kept) in _keys)
            {
                if (now - kept.LoadedAt >= Lifetime || (!kept.IsRevoked && _keys.Count >= MaxEntries / 2))
                {
                    _keys.TryRemove(id, out _);
                }
            }
        }

        _keys.AddOrUpdate(keyId, entry, (_, current) => time.GetUtcNow() - current.LoadedAt < Lifetime ? current : entry);
    }

    /// <summary>
    /// The key was revoked here (committed): it answers 401 from the next request on. Recorded as a live entry even when
    /// the key was not cached, so a read that began before the revocation cannot bring the key back.
    /// </summary>
    public void Revoked(string keyId) =>
        _keys.AddOrUpdate(
            keyId,
            _ => new Entry([], "", "", [], IsRevoked: true, time.GetUtcNow()),
            (_, current) => current with { IsRevoked = true, LoadedAt = time.GetUtcNow() });
}
