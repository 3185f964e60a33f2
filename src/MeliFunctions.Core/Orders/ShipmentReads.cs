using System.Collections.Concurrent;

namespace MeliFunctions.Orders;

/// <summary>
/// The last shipment reads of this process, so a read made for a <c>shipments</c> notification
/// answers the order notification of the same change (and the other way round) when it began after
/// that notification reached us. Bounded: past <see cref="MaxKept"/> reads it starts afresh.
/// Only consulted under the shipment's lock (<see cref="OrderLocks"/>).
/// </summary>
public sealed class ShipmentReads
{
    public const int MaxKept = 10_000;

    private readonly ConcurrentDictionary<(string SellerId, long ShipmentId), ShipmentRead> _reads = new();

    public void Remember(string sellerId, ShipmentRead read)
    {
        if (_reads.Count >= MaxKept)
        {
            _reads.Clear();
        }

        _reads.AddOrUpdate((sellerId, read.Id), read, (_, known) => known.ReadAt >= read.ReadAt ? known : read);
    }

    public ShipmentRead? Recall(string sellerId, long shipmentId) =>
        _reads.TryGetValue((sellerId, shipmentId), out var read) ? read : null;
}
