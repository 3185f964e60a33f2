using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using MeliFunctions.Orders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Stock;

/// <summary>
/// An order's effects on the seller's ledger, exactly once. Each effect (<c>{orderId}:subtract</c>,
/// <c>{orderId}:restore</c>) is first recorded as an intent with its lines (table <c>StockEffects</c>,
/// state <c>pending</c>); then each ledger row is changed by an ETag-guarded single-entity write that
/// also records the effect id on the row; then the intent is marked <c>applied</c>. A replay at any
/// point (duplicate notifications, a retry, two workers, a crash between the ledger write and the
/// mark) finds the id on the row and changes nothing. Pending intents and undecided restores are
/// finished by the reconcile run (<see cref="HealAsync"/>).
/// </summary>
public sealed class OrderStockEffects(
    OrderStore orders,
    StockLedger ledger,
    StockEffectStore effects,
    MeliApiClient meli,
    OrderShippingReader shipping,
    IOptions<StockOptions> options,
    TimeProvider time,
    ILogger<OrderStockEffects> logger) : IOrderStockEffects
{
    /// <summary>Test seam: runs after an effect's ledger write on a row and before the row is marked on the effect's record.</summary>
    internal Func<EffectRecord, CancellationToken, Task>? BeforeEffectMarked { get; set; }

    public async Task<StockEffectResult> ApplyAsync(string sellerId, long orderId, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = sellerId, ["OrderId"] = orderId });
        var stored = await orders.GetAsync(sellerId, orderId, cancellationToken);
        if (stored is null)
        {
            return new(false, "order_not_stored");
        }

        var order = stored.Order;
        if (order["date_closed"] is not JsonValue)
        {
            // MeLi takes the stock when the order first moves to confirmed or paid (date_closed is set then).
            return new(false, "not_closed: Mercado Libre has not taken the stock");
        }

        var done = new List<string>();
        ShipmentFacts? shipment = null;
        var subtractId = StockEffectStore.SubtractId(orderId);
        var subtract = await effects.GetAsync(sellerId, subtractId, cancellationToken);
        if (subtract is null)
        {
            shipment = await ReadShipmentAsync(stored, order, cancellationToken);
            var intent = shipment.IsFulfillment
                ? New(sellerId, subtractId, orderId, EffectStates.NotApplicable, "fulfillment: Mercado Libre keeps this stock in its warehouse", [])
                : New(sellerId, subtractId, orderId, EffectStates.Pending, "order closed", Lines(order));
            subtract = await effects.TryWriteAsync(null, intent, cancellationToken)
                       ?? await effects.GetAsync(sellerId, subtractId, cancellationToken);
        }

        if (subtract!.State == EffectStates.Pending)
        {
            subtract = await FinishAsync(subtract, refuseNegative: false, cancellationToken);
            done.Add("subtract");
        }

        if (subtract.State != EffectStates.Applied)
        {
            return new(done.Count > 0, $"subtract {subtract.State}: {subtract.Reason}");
        }

        if (stored.Status != "cancelled")
        {
            return new(done.Count > 0, done.Count > 0 ? "subtracted" : "subtract already applied");
        }

        var restoreId = StockEffectStore.RestoreId(orderId);
        var restore = await effects.GetAsync(sellerId, restoreId, cancellationToken);
        while (restore is null || restore.State is EffectStates.Waiting or EffectStates.Hold)
        {
            shipment ??= await ReadShipmentAsync(stored, order, cancellationToken);
            var facts = new CancellationFacts(shipment.HasShipment, shipment.Status, shipment.Substatus, shipment.LogisticType,
                await PackDisagreesAsync(stored, cancellationToken));
            var decision = CancellationGoods.Decide(facts, options.Value.UnknownShipmentDefault);
            var next = decision.Verdict switch
            {
                GoodsVerdict.Restore => New(sellerId, restoreId, orderId, EffectStates.Pending, decision.Reason,
                    subtract.AppliedLines.Select(l => l with { Delta = -l.Delta }).ToList()),
                GoodsVerdict.Wait => New(sellerId, restoreId, orderId, EffectStates.Waiting, decision.Reason, []),
                GoodsVerdict.Hold => New(sellerId, restoreId, orderId, EffectStates.Hold, decision.Reason, []),
                _ => New(sellerId, restoreId, orderId, EffectStates.NotApplicable, decision.Reason, []),
            };
            if (restore is not null && restore.State == next.State && restore.Reason == next.Reason)
            {
                return new(done.Count > 0, $"restore {restore.State}: {restore.Reason}");
            }

            logger.LogInformation("Order {OrderId} of seller {SellerId} cancelled: {Verdict} ({Reason})", orderId, sellerId, decision.Verdict, decision.Reason);
            restore = await effects.TryWriteAsync(restore, next, cancellationToken)
                      ?? await effects.GetAsync(sellerId, restoreId, cancellationToken);
            if (restore is { State: EffectStates.Waiting or EffectStates.Hold })
            {
                return new(done.Count > 0, $"restore {restore.State}: {restore.Reason}");
            }
        }

        if (restore.State == EffectStates.Pending)
        {
            restore = await FinishAsync(restore, refuseNegative: false, cancellationToken);
            done.Add("restore");
        }

        return new(done.Count > 0, done.Count > 0 ? string.Join(" and ", done) + " applied" : $"restore {restore.State}: {restore.Reason}");
    }

    /// <summary>
    /// Finishes the seller's open effects (pending intents, waiting or held restores opened within
    /// <see cref="StockOptions.WaitingRestoreWindow"/>) and re-checks the orders stored within
    /// <see cref="StockOptions.HealWindow"/>: what a crash or a failed read left. Every read is by key
    /// (the open marks, the recent-change marks); a waiting restore's shipment is read again only when
    /// the stored read is older than <see cref="StockOptions.ShipmentRecheckAfter"/>.
    /// </summary>
    public async Task<int> HealAsync(string sellerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var o = options.Value;
        var orderIds = new SortedSet<long>();
        var recheck = new HashSet<long>();
        foreach (var (open, openedAt) in await effects.ListOpenAsync(sellerId, cancellationToken))
        {
            if (open.OrderId is { } id)
            {
                if (open.State is EffectStates.Waiting or EffectStates.Hold && now - openedAt > o.WaitingRestoreWindow)
                {
                    // Left to a person: it stays open, and costs nothing more.
                    continue;
                }

                orderIds.Add(id);
                if (open.State == EffectStates.Waiting)
                {
                    recheck.Add(id);
                }
            }
            else if (open.State == EffectStates.Pending)
            {
                await FinishAsync(open, refuseNegative: true, cancellationToken);
            }
        }

        var since = now - o.HealWindow;
        foreach (var id in await orders.ListChangedSinceAsync(sellerId, since, cancellationToken))
        {
            orderIds.Add(id);
        }

        var applied = 0;
        foreach (var orderId in orderIds)
        {
            try
            {
                if (recheck.Contains(orderId))
                {
                    await RefreshShipmentIfOldAsync(sellerId, orderId, now - o.ShipmentRecheckAfter, cancellationToken);
                }

                if ((await ApplyAsync(sellerId, orderId, cancellationToken)).Applied)
                {
                    applied++;
                }
            }
            catch (MeliApiException ex)
            {
                logger.LogWarning("Stock effects of order {OrderId} (seller {SellerId}) not settled: {Error}; next run tries again", orderId, sellerId, ex.Message);
            }
        }

        await orders.PruneChangedAsync(sellerId, since - o.HealWindow, 1000, cancellationToken);
        return applied;
    }

    /// <summary>A waiting restore whose shipment was last read before <paramref name="readBefore"/>: read it once more and store it on the order.</summary>
    private async Task RefreshShipmentIfOldAsync(string sellerId, long orderId, DateTimeOffset readBefore, CancellationToken cancellationToken)
    {
        var stored = await orders.GetAsync(sellerId, orderId, cancellationToken);
        if (stored is null || stored.Order["shipping"]?["id"] is not JsonValue || (stored.Shipping?.ReadAt is { } readAt && readAt >= readBefore))
        {
            return;
        }

        var summary = await shipping.SummarizeAsync(sellerId, stored.Order, known: null, cancellationToken);
        await orders.SetShippingAsync(stored, summary, cancellationToken);
    }

    /// <summary>
    /// Applies a pending effect's lines (each at most once: the ledger lists each applied row on the
    /// effect's record) and marks the effect final.
    /// </summary>
    internal async Task<EffectRecord> FinishAsync(EffectRecord pending, bool refuseNegative, CancellationToken cancellationToken)
    {
        var untracked = new List<string>();
        string? refused = null;
        Func<CancellationToken, Task>? afterWrite = BeforeEffectMarked is { } hook ? ct => hook(pending, ct) : null;
        foreach (var line in pending.Lines)
        {
            var (outcome, row) = await ledger.ApplyDeltaAsync(pending.SellerId, line.Key, line.Delta, pending.EffectId, refuseNegative, cancellationToken, afterWrite);
            switch (outcome)
            {
                case LineOutcome.Untracked:
                    untracked.Add(line.Key);
                    break;
                case LineOutcome.RefusedNegative:
                    refused = $"negative_stock: {line.Key} has {row!.Quantity}, {line.Delta} would take it below zero";
                    break;
            }
        }

        var reason = refused ?? (untracked.Count > 0 ? $"{pending.Reason}; untracked: {string.Join(",", untracked)}" : pending.Reason);
        for (var current = await effects.GetAsync(pending.SellerId, pending.EffectId, cancellationToken); ;
             current = await effects.GetAsync(pending.SellerId, pending.EffectId, cancellationToken))
        {
            if (current is null || EffectStates.IsFinal(current.State))
            {
                return current ?? pending;
            }

            // The applied lines are the ones the ledger listed on the record.
            var final = current with { State = refused is null ? EffectStates.Applied : EffectStates.Refused, Reason = reason };
            if (await effects.TryWriteAsync(current, final, cancellationToken) is { } written)
            {
                logger.LogInformation("Stock effect {EffectId} of seller {SellerId}: {State} ({Lines})",
                    pending.EffectId, pending.SellerId, written.State, string.Join(", ", written.AppliedLines.Select(l => $"{l.Key} {l.Delta:+#;-#;0}")));
                return written;
            }
        }
    }

    private static EffectRecord New(string sellerId, string effectId, long orderId, string state, string reason, IReadOnlyList<EffectLine> lines) =>
        new(sellerId, effectId, state, reason, lines, [], orderId, null, null, default);

    /// <summary>The order's lines as ledger changes: <c>-quantity</c> on the listing or its variation.</summary>
    private static List<EffectLine> Lines(JsonObject order) =>
        (order["order_items"] as JsonArray ?? [])
            .Where(i => i?["item"]?["id"] is JsonValue)
            .Select(i => new EffectLine(
                StockLedger.Key(i!["item"]!["id"]!.GetValue<string>(), i["item"]!["variation_id"] is JsonValue v && v.TryGetValue<long>(out var vid) ? vid : null),
                -(i["quantity"] is JsonValue q && q.TryGetValue<int>(out var n) ? n : 1)))
            .GroupBy(l => l.Key)
            .Select(g => new EffectLine(g.Key, g.Sum(l => l.Delta)))
            .ToList();

    private async Task<bool> PackDisagreesAsync(StoredOrder stored, CancellationToken cancellationToken)
    {
        if (stored.PackId is null)
        {
            return false;
        }

        foreach (var id in await orders.ListPackAsync(stored.SellerId, stored.PackId, cancellationToken))
        {
            if (id != stored.OrderId && (await orders.GetAsync(stored.SellerId, id, cancellationToken))?.Status != "cancelled")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The shipment as the order sync last read it and stored it on the order's row (once per change,
    /// refreshed by <c>shipments</c> notifications); read from MeLi (<c>GET /shipments/{id}</c>, new
    /// format) only when the row has none. A shipment MeLi refuses for good reads as unknown.
    /// </summary>
    private async Task<ShipmentFacts> ReadShipmentAsync(StoredOrder stored, JsonObject order, CancellationToken cancellationToken)
    {
        if (order["shipping"]?["id"] is not JsonValue idValue || !idValue.TryGetValue<long>(out var shipmentId))
        {
            return new ShipmentFacts(false, null, null, null);
        }

        if (stored.Shipping is { HasFacts: true } known && known.ShipmentId == shipmentId)
        {
            return new ShipmentFacts(true, known.Status, known.Substatus, known.LogisticType);
        }

        try
        {
            var shipment = await meli.GetShipmentAsync(stored.SellerId, shipmentId, cancellationToken);
            return new ShipmentFacts(true, shipment.Status, shipment.Substatus, shipment.LogisticType);
        }
        catch (MeliApiException ex) when (ex.Kind == MeliErrorKind.Permanent)
        {
            logger.LogWarning("Shipment {ShipmentId} of order {OrderId} unreadable ({Status} {Error}): its status counts as unknown", shipmentId, order["id"]?.ToJsonString(), ex.Status, ex.Error);
            return new ShipmentFacts(true, null, null, null);
        }
    }

    private sealed record ShipmentFacts(bool HasShipment, string? Status, string? Substatus, string? LogisticType)
    {
        public bool IsFulfillment => string.Equals(LogisticType, "fulfillment", StringComparison.OrdinalIgnoreCase);
    }
}
