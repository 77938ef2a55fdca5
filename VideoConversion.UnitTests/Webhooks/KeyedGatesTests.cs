using VideoConversion.Api.Webhooks;

namespace VideoConversion.UnitTests.Webhooks;

/// <summary>The per-host and per-account limits of the webhook dispatcher.</summary>
public class KeyedGatesTests
{
    [Fact]
    public void A_full_key_refuses_the_next_at_once_while_other_keys_go_on()
    {
        var gates = new KeyedGates(perKey: 2);
        using var first = gates.TryEnter("hanging.example");
        using var second = gates.TryEnter("hanging.example");

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(gates.TryEnter("HANGING.example"));
        using (var other = gates.TryEnter("prompt.example"))
        {
            Assert.NotNull(other);
        }

        first!.Dispose();
        using var third = gates.TryEnter("hanging.example");
        Assert.NotNull(third);
    }

    [Fact]
    public void Keys_nobody_holds_are_forgotten_and_a_place_is_given_back_once()
    {
        var gates = new KeyedGates(perKey: 1);
        var held = gates.TryEnter("a")!;
        gates.TryEnter("b")!.Dispose();
        Assert.Equal(1, gates.Count);

        held.Dispose();
        held.Dispose(); // twice is harmless: it gives back no place it did not hold
        Assert.Equal(0, gates.Count);
        using var again = gates.TryEnter("a");
        Assert.NotNull(again);
        Assert.Null(gates.TryEnter("a"));
    }
}
