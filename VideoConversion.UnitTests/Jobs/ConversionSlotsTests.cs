using VideoConversion.Worker.Jobs;

namespace VideoConversion.Tests.Conversion;

/// <summary>
/// The priorities a worker's two slots register with: one free slot at the idle priority while the worker holds nothing,
/// and free slots at the busy priority while it holds a job, whatever order jobs come and go in.
/// </summary>
public sealed class ConversionSlotsTests
{
    [Fact]
    public void An_idle_worker_offers_exactly_one_slot_at_the_idle_priority()
    {
        using var slots = new ConversionSlots(2);

        Assert.Equal([ConversionSlots.IdlePriority, ConversionSlots.BusyPriority], Priorities(slots));
    }

    [Fact]
    public void A_worker_converting_a_job_waits_for_a_second_one_at_the_busy_priority()
    {
        using var slots = new ConversionSlots(2);

        Assert.Empty(slots.Took(0));
        Assert.Equal(ConversionSlots.BusyPriority, slots.PriorityOf(1));
    }

    [Fact]
    public void A_slot_that_frees_while_the_other_holds_a_job_pauses_before_its_ack_and_comes_back_busy()
    {
        using var slots = new ConversionSlots(2);
        slots.Took(0);
        slots.Took(1); // a backlog: the spare slot took the next job

        Assert.True(slots.MustPauseBeforeSettling(0));
        Assert.Equal([0], slots.Released(0));
        Assert.Equal(ConversionSlots.BusyPriority, slots.PriorityOf(0));

        // The other slot's job ends with nothing else in hand: no pause, and one slot is idle again.
        Assert.False(slots.MustPauseBeforeSettling(1));
        Assert.Equal([0], slots.Released(1));
        Assert.Equal([ConversionSlots.IdlePriority, ConversionSlots.BusyPriority], Priorities(slots));
    }

    [Fact]
    public void A_job_taken_by_the_busy_slot_while_the_idle_one_is_free_turns_the_idle_one_busy()
    {
        using var slots = new ConversionSlots(2);

        Assert.Equal([0], slots.Took(1));
        Assert.Equal(ConversionSlots.BusyPriority, slots.PriorityOf(0));
        Assert.Equal([0], slots.Released(1));
        Assert.Equal([ConversionSlots.IdlePriority, ConversionSlots.BusyPriority], Priorities(slots));
    }

    [Fact]
    public void One_slot_keeps_its_priority_and_never_needs_to_pause()
    {
        using var slots = new ConversionSlots(1);

        Assert.Empty(slots.Took(0));
        Assert.False(slots.MustPauseBeforeSettling(0));
        Assert.Empty(slots.Released(0));
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
        Assert.False(slots.TakeTurnAsync(new CancellationToken(canceled: true)).IsCompletedSuccessfully);
    }

    private static int[] Priorities(ConversionSlots slots) => [.. Enumerable.Range(0, slots.Count).Select(slots.PriorityOf)];
}
