using System.Globalization;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;

namespace MeliFunctions.Orders;

/// <summary>What an upsert did.</summary>
public enum UpsertOutcome
{
    Inserted,
    Updated,

    /// <summary>The stored order is as new or newer: nothing written but the fetch time.</summary>
    NotNewer,
}

public sealed record UpsertResult(UpsertOutcome Outcome, StoredOrder Stored, JsonObject? Previous);

/// <summary>
/// The <c>Orders</c> table: PartitionKey seller id, RowKey order id, Mercado Libre's JSON kept
/// whole (split over properties when long) and the fields people filter on beside it. Writes are
/// ETag-guarded and happen only when MeLi's <c>last_updated</c> is newer than the stored one, so
/// duplicates, retries, reordering and stale reads never move an order backwards.
/// </summary>
public sealed class OrderStore(StorageClients storage, TimeProvider time)
{
    /// <summary>Test seam: runs right after an order row's write, before its index rows (where a crash can land).</summary>
    internal Func<Task>? AfterRowWrite { get; set; }

    private const int ChunkChars = 30_000; // a string property holds at most 32K UTF-16 characters
    private const string JsonProperty = "OrderJson";

    private TableClient Orders => storage.Table(StorageNames.OrdersTable);

    private TableClient Index => storage.Table(StorageNames.OrderIndexTable);

    private readonly OrderSearchIndex _search = new(storage);

    public async Task<StoredOrder?> GetAsync(string sellerId, long orderId, CancellationToken cancellationToken)
    {
        var response = await Orders.GetEntityIfExistsAsync<TableEntity>(sellerId, Key(orderId), cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Finds an order by its id alone (through the <c>OrderIndex</c> table).</summary>
    public async Task<StoredOrder?> FindAsync(long orderId, CancellationToken cancellationToken) =>
        await FindSellerAsync(orderId, cancellationToken) is { } sellerId ? await GetAsync(sellerId, orderId, cancellationToken) : null;

    /// <summary>The seller who owns a stored order (a point read of the <c>OrderIndex</c> table), or null.</summary>
    public async Task<string?> FindSellerAsync(long orderId, CancellationToken cancellationToken)
    {
        var index = await Index.GetEntityIfExistsAsync<TableEntity>(Key(orderId), "seller", cancellationToken: cancellationToken);
        return index.HasValue ? index.Value!.GetString("SellerId") : null;
    }

    /// <summary>
    /// Writes <paramref name="fetched"/> if it is newer than the stored order. <paramref name="missingBlocks"/>
    /// (from a 206) keep their stored values. <paramref name="fetchStartedAt"/> is recorded either way.
    /// </summary>
    public async Task<UpsertResult> UpsertIfNewerAsync(
        string sellerId, JsonObject fetched, IReadOnlyList<string> missingBlocks, DateTimeOffset fetchStartedAt, CancellationToken cancellationToken)
    {
        var orderId = fetched["id"]?.GetValue<long>() ?? throw new ArgumentException("The order has no id.", nameof(fetched));
        await Index.UpsertEntityAsync(new TableEntity(Key(orderId), "seller") { ["SellerId"] = sellerId }, TableUpdateMode.Replace, cancellationToken);

        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(sellerId, orderId, cancellationToken);
            var order = (JsonObject)fetched.DeepClone();
            var stillMissing = new List<string>();
            JsonObject? previous = current?.Order;
            foreach (var block in missingBlocks)
            {
                if (previous?[block] is { } kept)
                {
                    order[block] = kept.DeepClone();
                }
                else
                {
                    stillMissing.Add(block);
                }
            }

            var lastUpdated = ReadTime(order, "last_updated");
            try
            {
                if (current is null)
                {
                    var entity = ToEntity(sellerId, orderId, order, fetchStartedAt, version: 1, followUpVersion: 0, stillMissing);
                    // The follow-up mark goes first: a crash right after the row's write must not leave
                    // a version whose follow-up is pending with no mark for the repair pass to find.
                    await MarkFollowUpPendingAsync(sellerId, orderId, entity, cancellationToken);
                    var added = await Orders.AddEntityAsync(entity, cancellationToken);
                    await (AfterRowWrite?.Invoke() ?? Task.CompletedTask);
                    // The index rows after the row, side by side.
                    await Task.WhenAll(
                        _search.WriteAsync(sellerId, orderId, order, null, cancellationToken),
                        WriteChangedAsync(sellerId, orderId, entity, cancellationToken),
                        WriteGroupIndexAsync(sellerId, orderId, order, cancellationToken));
                    return new UpsertResult(UpsertOutcome.Inserted, FromEntity(WithETag(entity, added.Headers.ETag)), null);
                }

                if (current.LastUpdated is { } storedTime && lastUpdated is { } newTime && newTime <= storedTime)
                {
                    var fetchedAt = fetchStartedAt > current.FetchedAt ? fetchStartedAt : current.FetchedAt;
                    var patch = new TableEntity(sellerId, Key(orderId)) { ["FetchedAt"] = fetchedAt };
                    var patched = await Orders.UpdateEntityAsync(patch, current.ETag, TableUpdateMode.Merge, cancellationToken);
                    // Rewrites the search row as stored: repairs one a crash between the two writes left out.
                    await _search.WriteAsync(sellerId, orderId, previous!, null, cancellationToken);
                    return new UpsertResult(UpsertOutcome.NotNewer, current with { FetchedAt = fetchedAt, ETag = patched.Headers.ETag ?? current.ETag }, previous);
                }

                var replacement = ToEntity(sellerId, orderId, order, fetchStartedAt, current.Version + 1, current.FollowUpVersion, stillMissing);
                if (current.Held)
                {
                    // A hold outlives new versions of the order: only its owner releases it (SetHoldAsync).
                    replacement["Held"] = true;
                    replacement["HoldReason"] = current.HoldReason;
                }

                if (current.Discounts is { } discounts)
                {
                    // Read once per coupon: a new version keeps them until its coupon changes (OrderDiscountsObserver).
                    WriteDiscounts(replacement, discounts);
                }

                await MarkFollowUpPendingAsync(sellerId, orderId, replacement, cancellationToken);
                var replaced = await Orders.UpdateEntityAsync(replacement, current.ETag, TableUpdateMode.Replace, cancellationToken);
                await (AfterRowWrite?.Invoke() ?? Task.CompletedTask);
                await Task.WhenAll(
                    _search.WriteAsync(sellerId, orderId, order, previous, cancellationToken),
                    WriteChangedAsync(sellerId, orderId, replacement, cancellationToken),
                    WriteGroupIndexAsync(sellerId, orderId, order, cancellationToken));
                return new UpsertResult(UpsertOutcome.Updated, FromEntity(WithETag(replacement, replaced.Headers.ETag)), previous);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 20)
            {
                // Another worker wrote first: read again and decide again.
            }
        }
    }

    private TableEntity ToEntity(string sellerId, long orderId, JsonObject order, DateTimeOffset fetchedAt, int version, int followUpVersion, IReadOnlyList<string> missing)
    {
        var json = order.ToJsonString();
        var entity = new TableEntity(sellerId, Key(orderId))
        {
            ["Status"] = order["status"]?.GetValue<string>(),
            ["StatusDetail"] = order["status_detail"]?.ToJsonString(),
            ["DateCreated"] = ReadTime(order, "date_created"),
            ["DateClosed"] = ReadTime(order, "date_closed"),
            ["LastUpdated"] = ReadTime(order, "last_updated"),
            ["TotalAmount"] = order["total_amount"] is JsonValue total && total.TryGetValue<double>(out var t) ? t : null,
            ["CurrencyId"] = order["currency_id"]?.GetValue<string>(),
            ["BuyerId"] = order["buyer"]?["id"]?.ToJsonString(),
            ["BuyerNickname"] = order["buyer"]?["nickname"]?.GetValue<string>(),
            ["PackId"] = order["pack_id"] is JsonValue pack ? pack.ToJsonString() : null,
            ["ShippingId"] = order["shipping"]?["id"]?.ToJsonString(),
            ["Tags"] = Joined(order["tags"]?.AsArray().Select(t => t?.GetValue<string>())),
            ["ItemIds"] = Joined(order["order_items"]?.AsArray().Select(i => i?["item"]?["id"]?.GetValue<string>())),
            ["FetchedAt"] = fetchedAt,
            ["SyncedAt"] = time.GetUtcNow(),
            ["Version"] = version,
            ["FollowUpVersion"] = followUpVersion,
            ["FollowUpPending"] = followUpVersion < version,
            ["MissingBlocks"] = string.Join(',', missing),
        };
        for (var i = 0; i * ChunkChars < json.Length; i++)
        {
            var chunk = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
            entity[i == 0 ? JsonProperty : $"{JsonProperty}{i}"] = chunk;
        }

        return entity;
    }

    private static StoredOrder FromEntity(TableEntity e)
    {
        var json = new System.Text.StringBuilder(e.GetString(JsonProperty));
        for (var i = 1; e.GetString($"{JsonProperty}{i}") is { } chunk; i++)
        {
            json.Append(chunk);
        }

        return new StoredOrder(
            e.PartitionKey,
            long.Parse(e.RowKey, CultureInfo.InvariantCulture),
            json.ToString(),
            e.GetString("Status"),
            e.GetDateTimeOffset("LastUpdated"),
            e.GetDateTimeOffset("FetchedAt") ?? DateTimeOffset.MinValue,
            e.GetDateTimeOffset("SyncedAt") ?? DateTimeOffset.MinValue,
            e.GetInt32("Version") ?? 0,
            (e.GetString("MissingBlocks") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
            e.ETag)
        {
            // Rows written before follow-ups were recorded count as done.
            FollowUpVersion = e.GetInt32("FollowUpVersion") ?? e.GetInt32("Version") ?? 0,
            PackId = e.GetString("PackId"),
            Held = e.GetBoolean("Held") ?? false,
            HoldReason = e.GetString("HoldReason"),
            Discounts = e.GetString("DiscountsJson") is { } discounts
                ? new OrderDiscounts(discounts, e.GetString("DiscountsCoupon"), e.GetDateTimeOffset("DiscountsReadAt"))
                : null,
            Shipping = e.GetDouble("TotalAmountWithShipping") is { } total
                ? new OrderShipping(
                    e.GetInt64("ShipmentId"),
                    e.GetString("ShipmentStatus"),
                    e.GetString("ShipmentSubstatus"),
                    e.GetDouble("ShippingCost") is { } cost ? (decimal)cost : null,
                    e.GetString("ShippingCurrencyId") ?? "",
                    (decimal)total,
                    e.GetDouble("TaxesConversionRatio") is { } ratio ? (decimal)ratio : null,
                    e.GetString("ShipmentError"))
                {
                    LogisticType = e.GetString("ShipmentLogisticType"),
                    CostCurrencyId = e.GetString("ShipmentCostCurrencyId"),
                    ReadAt = e.GetDateTimeOffset("ShipmentReadAt"),
                }
                : null,
        };
    }

    /// <summary>
    /// Records what the order's shipment says, on the row as read (<paramref name="read"/>'s ETag):
    /// false if the row changed meanwhile (the newer write reads the shipment itself).
    /// </summary>
    public async Task<bool> SetShippingAsync(StoredOrder read, OrderShipping shipping, CancellationToken cancellationToken)
    {
        var patch = new TableEntity(read.SellerId, Key(read.OrderId))
        {
            ["ShipmentId"] = shipping.ShipmentId,
            ["ShipmentStatus"] = shipping.Status,
            ["ShipmentSubstatus"] = shipping.Substatus,
            ["ShippingCost"] = shipping.Cost is { } cost ? (double)cost : null,
            ["ShippingCurrencyId"] = shipping.CurrencyId,
            ["TotalAmountWithShipping"] = (double)shipping.TotalAmountWithShipping,
            ["TaxesConversionRatio"] = shipping.TaxesConversionRatio is { } ratio ? (double)ratio : null,
            ["ShipmentError"] = shipping.Error,
            ["ShipmentLogisticType"] = shipping.LogisticType,
            ["ShipmentCostCurrencyId"] = shipping.CostCurrencyId,
            ["ShipmentReadAt"] = shipping.ReadAt,
        };
        // Only a new version of the order makes this shipment read stale; a hold set meanwhile does not.
        return await MergeIntoVersionAsync(read, patch, alreadyDone: null, cancellationToken);
    }

    /// <summary>Records the order's discounts (<c>GET /orders/{id}/discounts</c>) on the row as read; false if the order changed meanwhile.</summary>
    public async Task<bool> SetDiscountsAsync(StoredOrder read, OrderDiscounts discounts, CancellationToken cancellationToken)
    {
        var patch = new TableEntity(read.SellerId, Key(read.OrderId));
        WriteDiscounts(patch, discounts);
        return await MergeIntoVersionAsync(read, patch, alreadyDone: null, cancellationToken);
    }

    private static void WriteDiscounts(TableEntity entity, OrderDiscounts discounts)
    {
        entity["DiscountsJson"] = discounts.Json;
        entity["DiscountsCoupon"] = discounts.Coupon;
        entity["DiscountsReadAt"] = discounts.ReadAt;
    }

    /// <summary>
    /// Records that every observer completed for <paramref name="read"/>'s version. False when a newer
    /// version was written meanwhile (its own follow-up is pending) or the order is gone.
    /// </summary>
    public async Task<bool> CompleteFollowUpAsync(StoredOrder read, CancellationToken cancellationToken)
    {
        var patch = new TableEntity(read.SellerId, Key(read.OrderId)) { ["FollowUpVersion"] = read.Version, ["FollowUpPending"] = false };
        // A hold or a shipment read changed the row; only a new version makes this follow-up stale.
        if (!await MergeIntoVersionAsync(read, patch, alreadyDone: now => !now.FollowUpPending, cancellationToken))
        {
            return false;
        }

        await UnmarkFollowUpAsync(read.SellerId, read.OrderId, read.SyncedAt, cancellationToken);
        return true;
    }

    /// <summary>
    /// Merges <paramref name="patch"/> into the row while it still holds <paramref name="read"/>'s
    /// version: a 412 from another change of the same version (a hold, a shipment read) re-reads and
    /// tries again. False when a newer version was written or the order is gone; true without a write
    /// when <paramref name="alreadyDone"/> says the row already shows the patch.
    /// </summary>
    private async Task<bool> MergeIntoVersionAsync(StoredOrder read, TableEntity patch, Func<StoredOrder, bool>? alreadyDone, CancellationToken cancellationToken)
    {
        for (var etag = read.ETag; ;)
        {
            try
            {
                await Orders.UpdateEntityAsync(patch, etag, TableUpdateMode.Merge, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 412)
            {
                var now = await GetAsync(read.SellerId, read.OrderId, cancellationToken);
                if (now is null || now.Version != read.Version)
                {
                    return false;
                }

                if (alreadyDone?.Invoke(now) == true)
                {
                    return true;
                }

                etag = now.ETag;
            }
            catch (RequestFailedException ex) when (ex.Status is 404)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Holds (or releases) a stored order: one merge of two properties, so it is fast and never
    /// touches MeLi's JSON. False if the order is not stored.
    /// </summary>
    public async Task<bool> SetHoldAsync(string sellerId, long orderId, bool held, string? reason, CancellationToken cancellationToken)
    {
        var patch = new TableEntity(sellerId, Key(orderId)) { ["Held"] = held, ["HoldReason"] = held ? reason : null };
        try
        {
            await Orders.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Releases the hold on the row as <paramref name="read"/> (its ETag): false when the row changed
    /// since (a new version may call for the hold again: read and decide again).
    /// </summary>
    public async Task<bool> ReleaseHoldAsync(StoredOrder read, CancellationToken cancellationToken)
    {
        var patch = new TableEntity(read.SellerId, Key(read.OrderId)) { ["Held"] = false, ["HoldReason"] = null };
        try
        {
            await Orders.UpdateEntityAsync(patch, read.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412)
        {
            return false;
        }
        catch (RequestFailedException ex) when (ex.Status is 404)
        {
            return true;
        }
    }

    /// <summary>
    /// The ids of the seller's orders stored (a new version written) at or after <paramref name="since"/>:
    /// a key range of the seller's <c>changed_{seller}</c> partition of <c>OrderIndex</c> (RowKey
    /// <c>{ticks}_{order id}</c>), never a scan of the seller's orders.
    /// </summary>
    public async Task<IReadOnlyList<long>> ListChangedSinceAsync(string sellerId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var ids = new SortedSet<long>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ChangedPartition(sellerId)} and RowKey ge {ChangedKey(since)}");
        await foreach (var e in Index.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (long.TryParse(e.RowKey[(e.RowKey.IndexOf('_', StringComparison.Ordinal) + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }

        return ids.ToList();
    }

    /// <summary>Drops the seller's change marks older than <paramref name="before"/> (a key range, at most <paramref name="max"/>); how many.</summary>
    public async Task<int> PruneChangedAsync(string sellerId, DateTimeOffset before, int max, CancellationToken cancellationToken)
    {
        var pruned = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ChangedPartition(sellerId)} and RowKey lt {ChangedKey(before)}");
        await foreach (var e in Index.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (pruned >= max)
            {
                break;
            }

            try
            {
                await Index.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
            }

            pruned++;
        }

        return pruned;
    }

    private async Task WriteChangedAsync(string sellerId, long orderId, TableEntity written, CancellationToken cancellationToken)
    {
        var at = written.GetDateTimeOffset("SyncedAt") ?? time.GetUtcNow();
        await Index.UpsertEntityAsync(new TableEntity(ChangedPartition(sellerId), $"{ChangedKey(at)}_{Key(orderId)}"), TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// The seller's stored orders whose follow-up may still be pending, read by key from their marks
    /// (<c>OrderIndex</c>, partition <c>followup_{seller}</c>: written before each new version's row,
    /// removed when its follow-up completes), with when the version was written and its listings
    /// (<c>,a,b,</c>). A mark can outlive its follow-up (a crash, or a row write that lost a race):
    /// check the row before acting.
    /// </summary>
    public async Task<IReadOnlyList<FollowUpMark>> ListFollowUpMarksAsync(string sellerId, CancellationToken cancellationToken)
    {
        var marks = new List<FollowUpMark>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {FollowUpPartition(sellerId)}");
        await foreach (var e in Index.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (long.TryParse(e.RowKey, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                marks.Add(new FollowUpMark(id, e.GetDateTimeOffset("SyncedAt"), e.GetString("ItemIds") ?? ",", e.ETag));
            }
        }

        return marks;
    }

    /// <summary>
    /// Removes an order's follow-up mark once the version written at <paramref name="doneSyncedAt"/>
    /// has its follow-up done. The mark of a newer version (written at a later time) stays.
    /// </summary>
    public async Task UnmarkFollowUpAsync(string sellerId, long orderId, DateTimeOffset doneSyncedAt, CancellationToken cancellationToken)
    {
        var mark = await Index.GetEntityIfExistsAsync<TableEntity>(FollowUpPartition(sellerId), Key(orderId), cancellationToken: cancellationToken);
        if (!mark.HasValue || mark.Value!.GetDateTimeOffset("SyncedAt") > doneSyncedAt)
        {
            return;
        }

        await UnmarkFollowUpAsync(sellerId, orderId, mark.Value.ETag, cancellationToken);
    }

    /// <summary>Removes the follow-up mark as it was read (<paramref name="markETag"/>): one a newer version rewrote meanwhile stays.</summary>
    public async Task UnmarkFollowUpAsync(string sellerId, long orderId, ETag markETag, CancellationToken cancellationToken)
    {
        try
        {
            await Index.DeleteEntityAsync(FollowUpPartition(sellerId), Key(orderId), markETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
        }
    }

    private async Task MarkFollowUpPendingAsync(string sellerId, long orderId, TableEntity written, CancellationToken cancellationToken) =>
        await Index.UpsertEntityAsync(new TableEntity(FollowUpPartition(sellerId), Key(orderId))
        {
            ["SyncedAt"] = written.GetDateTimeOffset("SyncedAt"),
            ["ItemIds"] = written.GetString("ItemIds") ?? ",",
        }, TableUpdateMode.Replace, cancellationToken);

    private static string FollowUpPartition(string sellerId) => "followup_" + sellerId;

    private static string ChangedPartition(string sellerId) => "changed_" + sellerId;

    private static string ChangedKey(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The ids of the seller's stored orders in one pack (a cart): one partition of <c>OrderIndex</c>, read by key.</summary>
    public Task<IReadOnlyList<long>> ListPackAsync(string sellerId, string packId, CancellationToken cancellationToken) =>
        ListGroupAsync(PackPartition(packId), sellerId, cancellationToken);

    /// <summary>The ids of the seller's stored orders that ship in one shipment: one partition of <c>OrderIndex</c>, read by key.</summary>
    public Task<IReadOnlyList<long>> ListShipmentOrdersAsync(string sellerId, long shipmentId, CancellationToken cancellationToken) =>
        ListGroupAsync(ShipmentPartition(Key(shipmentId)), sellerId, cancellationToken);

    private async Task<IReadOnlyList<long>> ListGroupAsync(string partition, string sellerId, CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        await foreach (var e in Index.QueryAsync<TableEntity>(filter, select: ["RowKey", "SellerId"], cancellationToken: cancellationToken))
        {
            if (e.GetString("SellerId") == sellerId && long.TryParse(e.RowKey, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }

        ids.Sort();
        return ids;
    }

    /// <summary>
    /// The order's rows in the pack and shipment partitions of <c>OrderIndex</c> (<c>pack_{id}</c>,
    /// <c>shipment_{id}</c>; RowKey the order id), so the orders of a cart or of a shipment are found
    /// by key, never by scanning the seller's orders. Upserts: written again with every fetch.
    /// </summary>
    private async Task WriteGroupIndexAsync(string sellerId, long orderId, JsonObject order, CancellationToken cancellationToken)
    {
        if (order["pack_id"] is JsonValue pack && pack.ToJsonString() is { Length: > 0 } packId)
        {
            await Index.UpsertEntityAsync(new TableEntity(PackPartition(packId), Key(orderId)) { ["SellerId"] = sellerId }, TableUpdateMode.Replace, cancellationToken);
        }

        if (order["shipping"]?["id"] is JsonValue shipment && shipment.TryGetValue<long>(out var shipmentId))
        {
            await Index.UpsertEntityAsync(new TableEntity(ShipmentPartition(Key(shipmentId)), Key(orderId)) { ["SellerId"] = sellerId }, TableUpdateMode.Replace, cancellationToken);
        }
    }

    private static string PackPartition(string packId) => "pack_" + packId.Trim('"');

    private static string ShipmentPartition(string shipmentId) => "shipment_" + shipmentId;

    private static TableEntity WithETag(TableEntity entity, ETag? etag)
    {
        entity.ETag = etag ?? default;
        return entity;
    }

    /// <summary><c>,a,b,</c>: so a filter can look for <c>,tag,</c>.</summary>
    private static string? Joined(IEnumerable<string?>? values)
    {
        var list = values?.Where(v => !string.IsNullOrEmpty(v)).ToList();
        return list is null || list.Count == 0 ? null : "," + string.Join(',', list) + ",";
    }

    internal static DateTimeOffset? ReadTime(JsonObject order, string name) =>
        order[name] is JsonValue value && value.TryGetValue<string>(out var text) &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : null;

    internal static string Key(long orderId) => orderId.ToString(CultureInfo.InvariantCulture);
}

/// <summary>An order's follow-up mark: the version written at <paramref name="SyncedAt"/> may still have follow-up work pending.</summary>
public sealed record FollowUpMark(long OrderId, DateTimeOffset? SyncedAt, string ItemIds, ETag ETag);
