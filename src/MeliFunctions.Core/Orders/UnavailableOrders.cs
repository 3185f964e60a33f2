using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Orders;

/// <summary>
/// A short per-seller memory of the order ids Mercado Libre answered 404 or 403 for (unknown, or
/// not this seller's), so that repeats of a bogus id cost no GET with the seller's token and park
/// nothing more: the first one is parked with its reason, the repeats are completed as
/// <c>recently_unavailable</c>.
/// </summary>
/// <remarks>
/// In process, not in a table: the webhook must stay one queue write with no reads, and the order
/// sync already pays one table read per message; a table would add a read to every message (real
/// ones included) to save a GET only on bogus ones. Per process means a repeat costs at most one GET
/// per instance per <see cref="OrderSyncOptions.UnavailableMemory"/>. Each seller keeps at most
/// <see cref="OrderSyncOptions.UnavailableMemorySize"/> ids (the oldest go first), so a flood of
/// ids for one seller cannot push out another's, and only connected sellers get an entry (the
/// sync drops other sellers' notifications before any GET).
/// </remarks>
public sealed class UnavailableOrders(IOptions<OrderSyncOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, SellerMemory> _sellers = new(StringComparer.Ordinal);

    /// <summary>The reason remembered for this order, or null when MeLi has not refused it lately.</summary>
    public string? Recall(string sellerId, long orderId) =>
        _sellers.TryGetValue(sellerId, out var memory) ? memory.Recall(orderId, time.GetUtcNow()) : null;

    public void Remember(string sellerId, long orderId, string reason)
    {
        var o = options.Value;
        if (o.UnavailableMemory <= TimeSpan.Zero || o.UnavailableMemorySize <= 0)
        {
            return;
        }

        _sellers.GetOrAdd(sellerId, _ => new SellerMemory()).Remember(orderId, reason, time.GetUtcNow() + o.UnavailableMemory, o.UnavailableMemorySize);
    }

    /// <summary>Drops the order from the memory (an operator requeued it: it gets a real GET again).</summary>
    public void Forget(string sellerId, long orderId)
    {
        if (_sellers.TryGetValue(sellerId, out var memory))
        {
            memory.Forget(orderId);
        }
    }

    private sealed class SellerMemory
    {
        private readonly Dictionary<long, (DateTimeOffset Until, string Reason)> _ids = [];
        private readonly Queue<long> _order = new();

        public string? Recall(long orderId, DateTimeOffset now)
        {
            lock (_ids)
            {
                if (!_ids.TryGetValue(orderId, out var entry))
                {
                    return null;
                }

                if (entry.Until > now)
                {
                    return entry.Reason;
                }

                _ids.Remove(orderId);
                return null;
            }
        }

        public void Remember(long orderId, string reason, DateTimeOffset until, int capacity)
        {
            lock (_ids)
            {
                if (!_ids.ContainsKey(orderId))
                {
                    _order.Enqueue(orderId);
                }

                _ids[orderId] = (until, reason);
                while (_ids.Count > capacity && _order.TryDequeue(out var oldest))
                {
                    _ids.Remove(oldest);
                }

                // Ids forgotten or expired leave stale entries in the queue: keep it bounded too.
                while (_order.Count > 2 * capacity && _order.TryDequeue(out var stale))
                {
                    if (_ids.ContainsKey(stale))
                    {
                        _order.Enqueue(stale);
                        break;
                    }
                }
            }
        }

        public void Forget(long orderId)
        {
            lock (_ids)
            {
                _ids.Remove(orderId);
            }
        }
    }
}
