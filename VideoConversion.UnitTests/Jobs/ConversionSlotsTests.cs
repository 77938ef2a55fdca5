using VideoConversion.Worker.Jobs;

namespace VideoConversion.UnitTests.Jobs;

/// <summary>
/// The priorities a worker's slots register with: a slot that frees while the worker holds nothing else comes back at the
/// idle priority, one that frees while another slot holds a job at the busy priority, whatever order jobs come and go in.
/// </summary>
public sealed class ConversionSlotsTests
{
    [Fact]
    public void An_idle_worker_offers_exactly_one_slot_at_the_idle_priority()
    {
        using var slots = new ConversionSlots(2);

        Assert.Equal([ConversionSlots.IdlePriority, ConversionSlots.BusyPriority], Priorities(slots));
        Assert.True(slots.PausesBeforeSettling);
    }

    [Fact]
    public void A_slot_that_frees_while_the_other_holds_a_job_comes_back_busy_and_the_last_to_free_comes_back_idle()
    {
        using var slots = new ConversionSlots(2);
        slots.Took(0, 1000);
        slots.Took(1, 2000); // a backlog: the spare slot took the next job

        Assert.Equal(2000, slots.InputBytesHeldBesides(0));
        slots.Released(0);
        Assert.Equal(ConversionSlots.BusyPriority, slots.PriorityOf(0));
        Assert.Equal(0, slots.InputBytesHeldBesides(1));

        slots.Released(1);
        Assert.Equal([ConversionSlots.BusyPriority, ConversionSlots.IdlePriority], Priorities(slots));
    }

    [Fact]
    public void A_slot_freed_while_another_waits_at_the_idle_priority_comes_back_busy()
    {
        using var slots = new ConversionSlots(2);
        slots.Took(1, 0); // taken at the busy priority while the idle slot was free (a race of registrations)
        slots.Released(1);

        // Slot 0 is still registered idle (it registers only when it frees): two idle slots would tie with idle workers.
        Assert.Equal([ConversionSlots.IdlePriority, ConversionSlots.BusyPriority], Priorities(slots));
    }

    [Fact]
    public void One_slot_keeps_the_idle_priority_and_never_pauses()
    {
        using var slots = new ConversionSlots(1);

        slots.Took(0, 0);
        slots.Released(0);

        Assert.False(slots.PausesBeforeSettling);
        Assert.Equal(ConversionSlots.IdlePriority, slots.PriorityOf(0));
    }

    [Fact]
    public async Task Only_one_job_holds_the_conversion_turn_and_a_release_passes_it_on_once()
    {
        using var slots = new ConversionSlots(2);
        var first = await slots.TakeTurnAsync(CancellationToken.None);
        var second = slots.TakeTurnAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);

        first.Release();
        first.Dispose(); // a second release must not let a third job in
        using var secondTurn = await second;
        var third = slots.TakeTurnAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);

        secondTurn.Release();
        (await third).Dispose();
    }

    private static int[] Priorities(ConversionSlots slots) => [.. Enumerable.Range(0, slots.Count).Select(slots.PriorityOf)];
}
