namespace VideoConversion.Api.Webhooks;

/// <summary>
/// At most a fixed number of holders per key (a receiving host, an account): a semaphore made on first use and
/// dropped once no one holds or awaits it, so there are never more than there are keys in flight.
/// </summary>
public sealed class KeyedGates(int perKey)
{
    private readonly Dictionary<string, Entry> _gates = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Keys with a holder or a waiter now.</summary>
    public int Count
    {
        get
        {
            lock (_gates)
            {
                return _gates.Count;
            }
        }
    }

    /// <summary>Waits for a place under <paramref name="key"/>; disposing the answer gives it back.</summary>
    public async Task<IDisposable> EnterAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_gates)
        {
            if (!_gates.TryGetValue(key, out entry!))
            {
                entry = new Entry(new SemaphoreSlim(perKey));
                _gates[key] = entry;
            }

            entry.Users++;
        }

        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }

        return new Place(this, key, entry);
    }

    private void Leave(string key, Entry entry)
    {
        lock (_gates)
        {
            if (--entry.Users == 0)
            {
                _gates.Remove(key);
                entry.Gate.Dispose();
            }
        }
    }

    private sealed class Entry(SemaphoreSlim gate)
    {
        public SemaphoreSlim Gate { get; } = gate;

        public int Users { get; set; }
    }

    private sealed class Place(KeyedGates gates, string key, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                entry.Gate.Release();
                gates.Leave(key, entry);
            }
        }
    }
}
