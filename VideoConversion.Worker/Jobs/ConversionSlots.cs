namespace VideoConversion.Worker.Jobs;

/// <summary>
/// A worker's places for jobs: the one it converts and, while it converts, the next one, whose input it downloads
/// meanwhile. Each slot is a consumer of its own with prefetch 1, so the worker never holds more than one job per slot,
/// and only one FFmpeg runs at a time (the conversion turn).
/// <para>
/// A slot registers at <see cref="IdlePriority"/> when it frees and its worker holds nothing else, at
/// <see cref="BusyPriority"/> when another slot holds a job. The broker gives a job to a lower priority only when every
/// higher one is full, so an idle worker wins a job over a busy worker's spare slot, and spare slots fill only in a
/// backlog. Each slot stops taking jobs before its acknowledgement and registers again after it, so a slot is never
/// registered anew while it holds a job (a new consumer would get credit of its own).
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
    private readonly IdleMemory? _idleMemory;
    private volatile bool _stopping;

    /// <param name="idleMemory">Told when the worker takes a job and when it holds none any more.</param>
    public ConversionSlots(int count, IdleMemory? idleMemory = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _idleMemory = idleMemory;
        _slots = Enumerable.Range(0, count).Select(_ => new Slot()).ToArray();
        // The worker starts with nothing in hand: one slot offers itself at the idle priority, the others wait.
        _slots[0].Priority = IdlePriority;
    }

    public int Count => _slots.Length;

    /// <summary>Whether a slot must stop taking jobs before it settles one (with one slot its priority never changes).</summary>
    public bool PausesBeforeSettling => _slots.Length > 1;

    /// <summary>Set when the worker begins to stop: a job that gets its turn now goes back instead of starting.</summary>
    public bool Stopping => _stopping;

    /// <summary>Fires when the worker stops and no slot takes jobs any more: jobs still waiting for their turn go back.</summary>
    public CancellationToken HandingBack => _handingBack.Token;

    /// <summary>The priority a slot registers with now.</summary>
    public int PriorityOf(int slot)
    {
        lock (_gate)
        {
            return _slots[slot].Priority;
        }
    }

    /// <summary>A slot took a job of <paramref name="inputBytes"/> (unknown: 0).</summary>
    public void Took(int slot, long inputBytes)
    {
        lock (_gate)
        {
            _slots[slot].Holding = true;
            _slots[slot].InputBytes = inputBytes;
            // Under the lock, so that a release seen as the last one cannot mark the worker idle after this.
            _idleMemory?.Busy();
        }
    }

    /// <summary>The input bytes of the jobs the other slots hold: the disk room their conversions count on.</summary>
    public long InputBytesHeldBesides(int slot)
    {
        lock (_gate)
        {
            return _slots.Where((other, index) => index != slot && other.Holding).Sum(other => other.InputBytes);
        }
    }

    /// <summary>A slot's job is settled: it registers again at the idle priority if no other slot holds a job or is idle, else at the busy one.</summary>
    public void Released(int slot)
    {
        lock (_gate)
        {
            var freed = _slots[slot];
            freed.Holding = false;
            freed.InputBytes = 0;
            // Idle only if no other slot holds a job or already waits at the idle priority: the others keep the priority
            // they registered with until they free themselves, so at most one free slot is ever registered idle.
            freed.Priority = _slots.Any(other => other != freed && (other.Holding || other.Priority == IdlePriority)) ? BusyPriority : IdlePriority;
            if (!_slots.Any(other => other.Holding))
            {
                _ = _idleMemory?.Idle();
            }
        }
    }

    /// <summary>Waits for the worker's one conversion turn; the lease gives it back when disposed or released.</summary>
    public async Task<ConversionTurn> TakeTurnAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        return new ConversionTurn(_turn);
    }

    /// <summary>The stop begins: a job that gets its turn from now on goes back instead of starting.</summary>
    public void BeginStopping() => _stopping = true;

    /// <summary>Once no slot takes jobs any more: a job handed back now cannot come straight back to this worker.</summary>
    public Task HandBackWaitingAsync() => _handingBack.CancelAsync();

    public void Dispose()
    {
        _turn.Dispose();
        _handingBack.Dispose();
    }

    private sealed class Slot
    {
        public bool Holding { get; set; }

        public long InputBytes { get; set; }

        public int Priority { get; set; } = BusyPriority;
    }
}
