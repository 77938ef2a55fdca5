using VideoConversion.Api.Webhooks;

namespace VideoConversion.UnitTests.Webhooks;

/// <summary>The per-host and per-account limits of the webhook dispatcher.</summary>
public class KeyedGatesTests
{
    [Fact]
    public async Task A_key_at_its_limit_makes_the_next_wait_while_other_keys_go_on()
    {
        var gates = new KeyedGates(perKey: 2);
        using var first = await gates.EnterAsync("hanging.example", CancellationToken.None);
        using var second = await gates.EnterAsync("hanging.example", CancellationToken.None);

        var third = gates.EnterAsync("hanging.example", CancellationToken.None);
        using (await gates.EnterAsync("prompt.example", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)))
        {
            Assert.False(third.IsCompleted, "a third holder got past a limit of two");
        }

        first.Dispose();
        using var entered = await third.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Keys_nobody_holds_or_awaits_are_forgotten()
    {
        var gates = new KeyedGates(perKey: 1);
        var held = await gates.EnterAsync("a", CancellationToken.None);
        using (var canceled = new CancellationTokenSource())
        {
            var waiting = gates.EnterAsync("a", canceled.Token);
            (await gates.EnterAsync("b", CancellationToken.None)).Dispose();
            Assert.Equal(1, gates.Count);

            await canceled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }

        held.Dispose();
        held.Dispose(); // twice is harmless
        Assert.Equal(0, gates.Count);
        using var again = await gates.EnterAsync("a", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, gates.Count);
    }
}
