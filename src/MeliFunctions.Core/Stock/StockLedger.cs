using System.Globalization;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Stock;

/// <summary>One ledger row: a listing without variations, or one variation of a listing.</summary>
/// <param name="Quantity">The signed balance: below zero when orders took more than the seller had (oversold).</param>
/// <param name="RecentEffects">The effect ids rows written by earlier versions listed; still read, never added to.</param>
public sealed record LedgerRow(
    string SellerId,
    string ItemId,
    long? VariationId,
    int Quantity,
    IReadOnlyList<string> RecentEffects,
    DateTimeOffset? LastChangeAt,
    string? LastChangeSource,
    DateTimeOffset? OversoldAt,
    ETag ETag)
{
    /// <summary>
    /// The effect whose change this row carries and whose own record does not show it yet: set in the
    /// write that applies the effect, cleared only once the effect's record lists the row as applied.
    /// </summary>
    public string? Applying { get; init; }

    public string Key => StockLedger.Key(ItemId, VariationId);

    /// <summary>What the seller can sell: never below zero (that is what the reconcile pushes).</summary>
    public int Available => Math.Max(0, Quantity);

    public bool Oversold => Quantity < 0;
}

/// <summary>What a ledger write did for one line.</summary>
public enum LineOutcome
{
    Applied,

    /// <summary>The row already carries this effect id: a replay (after a crash, a retry, a race) changes nothing.</summary>
    AlreadyApplied,

    /// <summary>The seller keeps no stock for this listing (or variation) here.</summary>
    Untracked,

    /// <summary>A manual change that would take the stock below zero.</summary>
    RefusedNegative,
}

/// <summary>
/// The seller's own stock, table <c>StockLedger</c>: PartitionKey seller id, RowKey item id (or
/// <c>itemId:variationId</c>). Every write is a single-entity write guarded by the row's ETag (no
/// reliance on batch If-Match). An effect is applied to a row exactly once, for good: the write that
/// changes the figure also sets <see cref="LedgerRow.Applying"/> to the effect id; then the effect's
/// own record (<c>StockEffects</c>) lists the row in its applied lines; only then is the marker
/// cleared. Any writer that finds another effect's marker first finishes that step for it. So an
/// applied line is always visible, on the row (the marker) or on the effect's record, however many
/// other effects reach the row afterwards; the row keeps one id, not a growing list.
/// </summary>
public sealed partial class StockLedger(StorageClients storage, StockEffectStore effects, TimeProvider time, ILogger<StockLedger> logger)
{
    private const int MaxAttempts = 30;

    private TableClient Table => storage.Table(StorageNames.StockLedgerTable);

    public static string Key(string itemId, long? variationId) =>
        variationId is { } v ? $"{itemId}:{v.ToString(CultureInfo.InvariantCulture)}" : itemId;

    public static bool IsItemId(string? itemId) => itemId is not null && ItemIdPattern().IsMatch(itemId);

    public async Task<IReadOnlyList<LedgerRow>> GetItemAsync(string sellerId, string itemId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {sellerId} and (RowKey eq {itemId} or (RowKey ge {itemId + ":"} and RowKey lt {itemId + ";"}))");
        var rows = new List<LedgerRow>();
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(FromEntity(e));
        }

        return rows;
    }

    /// <summary>Every row of the seller, ordered by item id.</summary>
    public async Task<IReadOnlyList<LedgerRow>> ListAsync(string sellerId, CancellationToken cancellationToken)
    {
        var rows = new List<LedgerRow>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {sellerId}"), cancellationToken: cancellationToken))
        {
            rows.Add(FromEntity(e));
        }

        return rows;
    }

    /// <summary>Sets the seller's figure (a manual set: never negative; clears the oversold mark).</summary>
    public async Task<LedgerRow> SetAsync(string sellerId, string itemId, long? variationId, int quantity, string source, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        var key = Key(itemId, variationId);
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(sellerId, key, cancellationToken);
            if (current?.Applying is { } applying)
            {
                // The set replaces the row: first make the effect it carries visible on the effect's record.
                await FinishMarkingAsync(current, applying, cancellationToken);
                continue;
            }

            var entity = ToEntity(sellerId, itemId, variationId, quantity, current?.RecentEffects ?? [], source, oversoldAt: null, applying: null);
            try
            {
                if (current is null)
                {
                    var added = await Table.AddEntityAsync(entity, cancellationToken);
                    return FromEntity(entity) with { ETag = added.Headers.ETag ?? default };
                }

                var updated = await Table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken);
                return FromEntity(entity) with { ETag = updated.Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Someone wrote between our read and our write: read again.
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="delta"/> to the row once per <paramref name="effectId"/>, whose record must
    /// exist in <c>StockEffects</c> (the intent) and lists the row once applied. An order's effect may
    /// take the balance below zero (recorded as oversold); a manual one (<paramref name="refuseNegative"/>)
    /// may not. <paramref name="afterWrite"/> (a test seam) runs between this effect's ledger write
    /// and the mark on its record.
    /// </summary>
    public async Task<(LineOutcome Outcome, LedgerRow? Row)> ApplyDeltaAsync(
        string sellerId, string key, int delta, string effectId, bool refuseNegative, CancellationToken cancellationToken,
        Func<CancellationToken, Task>? afterWrite = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            // The row first, then the effect's record: a mark always precedes the clearing of the row's
            // marker, so a row read without our marker and a record read after it cannot both miss our write.
            var current = await GetAsync(sellerId, key, cancellationToken);
            if (current is null)
            {
                return (LineOutcome.Untracked, null);
            }

            if (current.Applying is { } applying)
            {
                if (applying == effectId)
                {
                    // Our write is on the row (an earlier attempt that stopped before its mark).
                    if (afterWrite is not null)
                    {
                        await afterWrite(cancellationToken);
                    }

                    await FinishMarkingAsync(current, applying, cancellationToken);
                    return (LineOutcome.AlreadyApplied, current);
                }

                await FinishMarkingAsync(current, applying, cancellationToken);
                continue;
            }

            var record = await effects.GetAsync(sellerId, effectId, cancellationToken)
                         ?? throw new InvalidOperationException($"Effect {effectId} of seller {sellerId} has no record: write its intent before applying it.");
            if (record.AppliedLines.Any(l => l.Key == key))
            {
                return (LineOutcome.AlreadyApplied, current);
            }

            if (current.RecentEffects.Contains(effectId))
            {
                // Applied before rows carried a marker: record it on the effect now.
                await effects.MarkLineAppliedAsync(sellerId, effectId, key, cancellationToken);
                return (LineOutcome.AlreadyApplied, current);
            }

            var quantity = current.Quantity + delta;
            if (refuseNegative && quantity < 0)
            {
                return (LineOutcome.RefusedNegative, current);
            }

            DateTimeOffset? oversoldAt = quantity < 0 ? current.OversoldAt ?? time.GetUtcNow() : null;
            var entity = ToEntity(sellerId, current.ItemId, current.VariationId, quantity, current.RecentEffects, effectId, oversoldAt, applying: effectId);
            LedgerRow written;
            try
            {
                var updated = await Table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken);
                written = FromEntity(entity) with { ETag = updated.Headers.ETag ?? default };
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412 && attempt < MaxAttempts)
            {
                // Another writer (an effect, a set) changed the row: read it again and decide again.
                continue;
            }

            if (quantity < 0)
            {
                logger.LogWarning("Seller {SellerId} listing {LedgerKey} oversold: balance {Quantity} after {EffectId}", sellerId, key, quantity, effectId);
            }

            if (afterWrite is not null)
            {
                await afterWrite(cancellationToken);
            }

            await FinishMarkingAsync(written, effectId, cancellationToken);
            return (LineOutcome.Applied, written with { Applying = null });
        }
    }

    /// <summary>
    /// The row carries <paramref name="effectId"/>'s change: list the row on that effect's record, then
    /// clear the marker (under the row's ETag: if the row changed, someone else cleared it first).
    /// </summary>
    private async Task FinishMarkingAsync(LedgerRow row, string effectId, CancellationToken cancellationToken)
    {
        await effects.MarkLineAppliedAsync(row.SellerId, effectId, row.Key, cancellationToken);
        var patch = new TableEntity(row.SellerId, row.Key) { ["Applying"] = "" };
        try
        {
            await Table.UpdateEntityAsync(patch, row.ETag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Cleared (and perhaps written again) by another writer meanwhile.
        }
    }

    private async Task<LedgerRow?> GetAsync(string sellerId, string key, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(sellerId, key, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    private TableEntity ToEntity(
        string sellerId, string itemId, long? variationId, int quantity, IEnumerable<string> legacyEffects, string source, DateTimeOffset? oversoldAt, string? applying) =>
        new(sellerId, Key(itemId, variationId))
        {
            ["ItemId"] = itemId,
            ["VariationId"] = variationId,
            ["Quantity"] = quantity,
            ["AvailableQuantity"] = Math.Max(0, quantity),
            ["Oversold"] = quantity < 0,
            ["OversoldAt"] = oversoldAt,
            ["RecentEffects"] = string.Join(',', legacyEffects),
            ["Applying"] = applying ?? "",
            ["LastChangeAt"] = time.GetUtcNow(),
            ["LastChangeSource"] = source,
        };

    private static LedgerRow FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("ItemId") ?? e.RowKey.Split(':')[0],
        e.GetInt64("VariationId"),
        e.GetInt32("Quantity") ?? 0,
        (e.GetString("RecentEffects") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
        e.GetDateTimeOffset("LastChangeAt"),
        e.GetString("LastChangeSource"),
        e.GetDateTimeOffset("OversoldAt"),
        e.ETag)
    {
        Applying = e.GetString("Applying") is { Length: > 0 } applying ? applying : null,
    };

    [GeneratedRegex("^[A-Z]{3}[0-9]{1,20}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ItemIdPattern();
}
