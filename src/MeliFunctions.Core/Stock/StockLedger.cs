using System.Globalization;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Stock;

/// <summary>One ledger row: a listing without variations, or one variation of a listing.</summary>
/// <param name="Quantity">The signed balance: below zero when orders took more than the seller had (oversold).</param>
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
/// <c>itemId:variationId</c>). Every write is a single-entity write guarded by the row's ETag, and a
/// delta carries its effect id: the row remembers the last <see cref="StockOptions.RecentEffectsKept"/>
/// ids, so replaying an effect is detected on the row itself (no reliance on batch If-Match).
/// </summary>
public sealed partial class StockLedger(StorageClients storage, TimeProvider time, IOptions<StockOptions> options, ILogger<StockLedger> logger)
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

    /// <summary>Sets the seller's figure (a manual set: never negative; clears the oversold mark, keeps the effect ids).</summary>
    public async Task<LedgerRow> SetAsync(string sellerId, string itemId, long? variationId, int quantity, string source, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);
        var key = Key(itemId, variationId);
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(sellerId, key, cancellationToken);
            var entity = ToEntity(sellerId, itemId, variationId, quantity, current?.RecentEffects ?? [], source, oversoldAt: null);
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
    /// Adds <paramref name="delta"/> to the row once per <paramref name="effectId"/>. An order's effect may
    /// take the balance below zero (recorded as oversold); a manual one (<paramref name="refuseNegative"/>) may not.
    /// </summary>
    public async Task<(LineOutcome Outcome, LedgerRow? Row)> ApplyDeltaAsync(
        string sellerId, string key, int delta, string effectId, bool refuseNegative, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(sellerId, key, cancellationToken);
            if (current is null)
            {
                return (LineOutcome.Untracked, null);
            }

            if (current.RecentEffects.Contains(effectId))
            {
                return (LineOutcome.AlreadyApplied, current);
            }

            var quantity = current.Quantity + delta;
            if (refuseNegative && quantity < 0)
            {
                return (LineOutcome.RefusedNegative, current);
            }

            var kept = options.Value.RecentEffectsKept;
            var effects = current.RecentEffects.Append(effectId).TakeLast(kept).ToList();
            DateTimeOffset? oversoldAt = quantity < 0 ? current.OversoldAt ?? time.GetUtcNow() : null;
            var entity = ToEntity(sellerId, current.ItemId, current.VariationId, quantity, effects, effectId, oversoldAt);
            try
            {
                var updated = await Table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken);
                if (quantity < 0)
                {
                    logger.LogWarning("Seller {SellerId} listing {LedgerKey} oversold: balance {Quantity} after {EffectId}", sellerId, key, quantity, effectId);
                }

                return (LineOutcome.Applied, FromEntity(entity) with { ETag = updated.Headers.ETag ?? default });
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412 && attempt < MaxAttempts)
            {
                // Another writer (an effect, a set) changed the row: read it again and decide again.
            }
        }
    }

    private async Task<LedgerRow?> GetAsync(string sellerId, string key, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(sellerId, key, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    private TableEntity ToEntity(
        string sellerId, string itemId, long? variationId, int quantity, IEnumerable<string> effects, string source, DateTimeOffset? oversoldAt) =>
        new(sellerId, Key(itemId, variationId))
        {
            ["ItemId"] = itemId,
            ["VariationId"] = variationId,
            ["Quantity"] = quantity,
            ["AvailableQuantity"] = Math.Max(0, quantity),
            ["Oversold"] = quantity < 0,
            ["OversoldAt"] = oversoldAt,
            ["RecentEffects"] = string.Join(',', effects),
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
        e.ETag);

    [GeneratedRegex("^[A-Z]{3}[0-9]{1,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex ItemIdPattern();
}
