namespace VideoConversion.Api.Webhooks;

/// <summary>
/// At most a fixed number of holders per key (a receiving host, an account), taken without waiting: a caller
/// that finds its key full leaves the work for later instead of holding anything while it waits. A key's count
/// exists only while it has holders, so there are never more than there are keys in flight.
/// </summary>
public sealed class KeyedGates(int perKey)
{
    private readonly Dictionary<string, int> _holders = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Keys with a holder now (for the tests: that idle keys are forgotten).</summary>
    internal int Count
    {
        get
        {
            lock (_holders)
            {
                return _holders.Count;
            }
        }
    }

    /// <summary>A place under <paramref name="key"/>, given back when disposed; null when the key is full.</summary>
    public IDisposable? TryEnter(string key)
    {
        lock (_holders)
        {
            var holders = _holders.GetValueOrDefault(key);
            if (holders >= perKey)
            {
                return null;
            }

            _holders[key] = holders + 1;
        }

        return new Place(this, key);
    }

    private void Leave(string key)
    {
        lock (_holders)
        {
            if (_holders[key] == 1)
            {
                _holders.Remove(key);
            }
            else
            {
                _holders[key]--;
            }
        }
    }

    private sealed class Place(KeyedGates gates, string key) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                gates.Leave(key);
            }
        }
    }
}
