namespace VideoConversion.Worker.Jobs;

/// <summary>
/// A worker's two places for jobs: the one it converts and, while it converts, the next one, whose input it downloads
/// meanwhile. Each slot is a consumer of its own with prefetch 1, so the worker never holds more than two unacknowledged
/// jobs, and only one FFmpeg runs at a time (the conversion turn).
/// <para>
/// A worker with nothing in hand offers one free slot at <see cref="IdlePriority"/>; a free slot of a worker that holds a
/// job waits at <see cref="BusyPriority"/>. The broker gives a job to a lower priority only when every higher one is full,
/// so an idle worker always wins a job over a busy worker's spare slot, and spare slots fill only in a backlog.
/// </para>
/// </summary>
public sealed class ConversionSlots : IDisposable
{
    public const int IdlePriority = 10;

    public const int BusyPriority = 0;

    private readonly Lock _gate = new();
    private readonly Slot[] _slots;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly CancellationTokenSource _handingBack = new();

    public ConversionSlots(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _slots = Enumerable.Range(0, count).Select(index => new Slot(index)).ToArray();
        // The worker starts with nothing in hand: one slot offers itself first.
        _slots[0].Priority = IdlePriority;
        for (var index = 1; index < count; index++)
        {
            _slots[index].Priority = BusyPriority;
        }
    }

    public int Count => _slots.Length;

    /// <summary>Fires when the worker stops: jobs still waiting for their turn go back to the queue, unstarted.</summary>
    public CancellationToken HandingBack => _handingBack.Token;

    /// <summary>Once no slot takes jobs any more: a job handed back now cannot come straight back to this worker.</summary>
    public Task HandBackWaitingAsync() => _handingBack.CancelAsync();

    /// <summary>The priority a slot registers with now.</summary>
    public int PriorityOf(int slot)
    {
        lock (_gate)
        {
            return _slots[slot].Priority;
        }
    }

    /// <summary>A slot took a job. Returns the free slots whose priority changed with it (to register again).</summary>
    public IReadOnlyList<int> Took(int slot)
    {
        lock (_gate)
        {
            _slots[slot].Holding = true;
            return Rebalance();
        }
    }

    /// <summary>
    /// A slot is about to settle its job: whether it must stop taking jobs before the acknowledgement frees it, because
    /// its priority then drops (another slot holds a job, so a job for this one would wait behind it).
    /// </summary>
    public bool MustPauseBeforeSettling(int slot)
    {
        lock (_gate)
        {
            return _slots[slot].Priority != BusyPriority && _slots.Any(other => other.Index != slot && other.Holding);
        }
    }

    /// <summary>A slot's job is settled. Returns the free slots whose priority changed with it (to register again).</summary>
    public IReadOnlyList<int> Released(int slot)
    {
        lock (_gate)
        {
            _slots[slot].Holding = false;
            return Rebalance();
        }
    }

    /// <summary>Waits for the worker's one conversion turn; the lease gives it back when disposed or released.</summary>
    public async Task<ConversionTurn> TakeTurnAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        return new ConversionTurn(_turn);
    }

    /// <summary>
    /// Free slots: at <see cref="IdlePriority"/> only while no slot holds a job, and then exactly one (the one already
    /// idle, else the first). Slots holding a job keep theirs: with prefetch 1 they take nothing until freed.
    /// </summary>
    private List<int> Rebalance()
    {
        var anyHolding = _slots.Any(slot => slot.Holding);
        var idle = anyHolding ? null : _slots.FirstOrDefault(slot => slot.Priority == IdlePriority) ?? _slots[0];
        List<int> changed = [];
        foreach (var slot in _slots.Where(slot => !slot.Holding))
        {
            var wanted = slot == idle ? IdlePriority : BusyPriority;
            if (slot.Priority != wanted)
            {
                slot.Priority = wanted;
                changed.Add(slot.Index);
            }
        }

        return changed;
    }

    public void Dispose()
    {
        _turn.Dispose();
        _handingBack.Dispose();
    }

    private sealed class Slot(int index)
    {
        public int Index { get; } = index;

        public bool Holding { get; set; }

        public int Priority { get; set; }
    }
}
