using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;

namespace MeliFunctions.Stock;

/// <summary>Where an effect stands.</summary>
public static class EffectStates
{
    /// <summary>Intent recorded, ledger writes may or may not have happened: finishing it is safe (the rows remember the id).</summary>
    public const string Pending = "pending";

    public const string Applied = "applied";

    /// <summary>A restore waiting for the goods to come back; decided again later.</summary>
    public const string Waiting = "waiting";

    /// <summary>Nothing automatic (pack disagrees, unknown status); decided again later, never guessed.</summary>
    public const string Hold = "hold";

    /// <summary>Nothing to do, for good (fulfillment, delivered).</summary>
    public const string NotApplicable = "not_applicable";

    /// <summary>A manual adjustment refused (it would take the stock below zero, or the listing is untracked).</summary>
    public const string Refused = "refused";

    public static bool IsFinal(string? state) => state is Applied or NotApplicable or Refused;
}

/// <summary>One ledger line of an effect: the row key and the signed change.</summary>
public sealed record EffectLine(string Key, int Delta);

/// <summary>An effect's record, table <c>StockEffects</c>.</summary>
public sealed record EffectRecord(
    string SellerId,
    string EffectId,
    string State,
    string? Reason,
    IReadOnlyList<EffectLine> Lines,
    IReadOnlyList<EffectLine> AppliedLines,
    long? OrderId,
    string? RequestFingerprint,
    DateTimeOffset? UpdatedAt,
    ETag ETag);

/// <summary>The <c>StockEffects</c> table: one row per effect, written ETag-guarded.</summary>
public sealed class StockEffectStore(StorageClients storage, TimeProvider time)
{
    private TableClient Table => storage.Table(StorageNames.StockEffectsTable);

    public static string SubtractId(long orderId) => $"{orderId}:subtract";

    public static string RestoreId(long orderId) => $"{orderId}:restore";

    public static string AdjustmentId(string idempotencyKey) => $"adjustment:{idempotencyKey}";

    public async Task<EffectRecord?> GetAsync(string sellerId, string effectId, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(sellerId, effectId, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>
    /// Writes <paramref name="next"/> over <paramref name="current"/> (its ETag), or adds it when there was none.
    /// Null when someone else wrote first: the caller reads again.
    /// </summary>
    public async Task<EffectRecord?> TryWriteAsync(EffectRecord? current, EffectRecord next, CancellationToken cancellationToken)
    {
        var entity = ToEntity(next);
        if (!EffectStates.IsFinal(next.State))
        {
            // The open mark goes first, so every open effect has one (a mark left by a crash is dropped by ListOpenAsync).
            await MarkOpenAsync(next.SellerId, next.EffectId, cancellationToken);
        }

        try
        {
            var response = current is null
                ? await Table.AddEntityAsync(entity, cancellationToken)
                : await Table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken);
            if (EffectStates.IsFinal(next.State) && current is not null && !EffectStates.IsFinal(current.State))
            {
                await UnmarkOpenAsync(next.SellerId, next.EffectId, cancellationToken);
            }

            return next with { ETag = response.Headers.ETag ?? default, UpdatedAt = entity.GetDateTimeOffset("UpdatedAt") };
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Lists ledger row <paramref name="key"/> among the effect's applied lines (with the line's delta
    /// from its intent). Idempotent; read-modify-write under the record's ETag.
    /// </summary>
    public async Task MarkLineAppliedAsync(string sellerId, string effectId, string key, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var current = await GetAsync(sellerId, effectId, cancellationToken);
            if (current is null || current.AppliedLines.Any(l => l.Key == key))
            {
                return;
            }

            var line = current.Lines.FirstOrDefault(l => l.Key == key)
                       ?? throw new InvalidOperationException($"Effect {effectId} of seller {sellerId} has no line for {key}.");
            if (await TryWriteAsync(current, current with { AppliedLines = [.. current.AppliedLines, line] }, cancellationToken) is not null)
            {
                return;
            }
        }

        throw new InvalidOperationException($"Effect {effectId} of seller {sellerId} kept changing while its line {key} was being marked.");
    }

    /// <summary>
    /// The seller's effects that are not final (pending intents, waiting and held restores), with when
    /// each was first open: read by key from the seller's open marks (partition <c>open_{seller}</c>),
    /// never by scanning every effect the seller ever had.
    /// </summary>
    public async Task<IReadOnlyList<(EffectRecord Effect, DateTimeOffset OpenedAt)>> ListOpenAsync(string sellerId, CancellationToken cancellationToken)
    {
        var open = new List<(EffectRecord, DateTimeOffset)>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {OpenPartition(sellerId)}");
        await foreach (var mark in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var effect = await GetAsync(sellerId, mark.RowKey, cancellationToken);
            if (effect is null || EffectStates.IsFinal(effect.State))
            {
                await UnmarkOpenAsync(sellerId, mark.RowKey, cancellationToken);
                continue;
            }

            open.Add((effect, mark.GetDateTimeOffset("OpenedAt") ?? mark.Timestamp ?? time.GetUtcNow()));
        }

        return open;
    }

    private async Task MarkOpenAsync(string sellerId, string effectId, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(new TableEntity(OpenPartition(sellerId), effectId) { ["OpenedAt"] = time.GetUtcNow() }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409)
        {
            // Open already: it keeps the time it was first opened.
        }
    }

    private async Task UnmarkOpenAsync(string sellerId, string effectId, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(OpenPartition(sellerId), effectId, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404)
        {
        }
    }

    private static string OpenPartition(string sellerId) => "open_" + sellerId;

    private TableEntity ToEntity(EffectRecord r) => new(r.SellerId, r.EffectId)
    {
        ["State"] = r.State,
        ["Reason"] = r.Reason,
        ["Lines"] = JsonSerializer.Serialize(r.Lines.Select(l => new JsonObject { ["key"] = l.Key, ["delta"] = l.Delta }).ToList()),
        ["AppliedLines"] = JsonSerializer.Serialize(r.AppliedLines.Select(l => new JsonObject { ["key"] = l.Key, ["delta"] = l.Delta }).ToList()),
        ["OrderId"] = r.OrderId,
        ["RequestFingerprint"] = r.RequestFingerprint,
        ["UpdatedAt"] = time.GetUtcNow(),
    };

    private static EffectRecord FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey,
        e.GetString("State") ?? EffectStates.Pending,
        e.GetString("Reason"),
        Lines(e.GetString("Lines")),
        Lines(e.GetString("AppliedLines")),
        e.GetInt64("OrderId"),
        e.GetString("RequestFingerprint"),
        e.GetDateTimeOffset("UpdatedAt"),
        e.ETag);

    private static List<EffectLine> Lines(string? json) =>
        string.IsNullOrEmpty(json)
            ? []
            : JsonNode.Parse(json)!.AsArray().Select(n => new EffectLine(n!["key"]!.GetValue<string>(), n["delta"]!.GetValue<int>())).ToList();
}
