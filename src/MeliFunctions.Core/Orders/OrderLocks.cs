namespace MeliFunctions.Orders;

/// <summary>
/// One lock per order, in process: duplicates of one notification processed at the same time by
/// the pump (or the Functions host) wait for each other, so the second finds the first one's
/// fetch and skips its own GET. Entries are removed when nobody holds or waits for them.
/// </summary>
public sealed class OrderLocks
{
    private readonly Dictionary<(string SellerId, long OrderId), Entry> _entries = [];

    public async Task<IDisposable> AcquireAsync(string sellerId, long orderId, CancellationToken cancellationToken)
    {
        var key = (sellerId, orderId);
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
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

        return new Releaser(this, key, entry);
    }

    private void Leave((string, long) key, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
                entry.Gate.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Releaser(OrderLocks owner, (string, long) key, Entry entry) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                entry.Gate.Release();
                owner.Leave(key, entry);
            }
        }
    }
}
