using VideoConversion.Api.Accounts;

namespace VideoConversion.UnitTests.Accounts;

public class ApiKeyCacheTests
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static ApiKeyCache.Entry Read(DateTimeOffset at, bool revoked = false) => new([1, 2, 3], "user", "alice", ["Administrator"], revoked, at);

    [Fact]
    public void A_key_read_is_trusted_for_its_lifetime_then_read_again()
    {
        var clock = new Clock(T0);
        var cache = new ApiKeyCache(clock);
        cache.Loaded("k1", Read(T0));
        Assert.Equal("alice", cache.Find("k1")?.UserName);

        clock.Now = T0 + ApiKeyCache.Lifetime;
        Assert.Null(cache.Find("k1"));
        Assert.Null(cache.Find("unknown"));
    }

    [Fact]
    public void A_revocation_here_is_seen_at_once_and_a_read_begun_before_it_cannot_undo_it()
    {
        var clock = new Clock(T0);
        var cache = new ApiKeyCache(clock);
        cache.Loaded("k1", Read(T0));

        cache.Revoked("k1");
        Assert.True(cache.Find("k1")?.IsRevoked);
        // A request that read the key before it was revoked finishes its read now.
        cache.Loaded("k1", Read(T0));
        Assert.True(cache.Find("k1")?.IsRevoked);

        // Never cached, revoked, then a late read lands: still revoked.
        cache.Revoked("k2");
        cache.Loaded("k2", Read(T0));
        Assert.True(cache.Find("k2")?.IsRevoked);

        // Once the revocation's own lifetime is over, the database (which says revoked) is asked again.
        clock.Now = T0 + ApiKeyCache.Lifetime;
        Assert.Null(cache.Find("k1"));
        cache.Loaded("k1", Read(clock.Now, revoked: true));
        Assert.True(cache.Find("k1")?.IsRevoked);
    }
}
