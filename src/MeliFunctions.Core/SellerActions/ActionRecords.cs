using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;

namespace MeliFunctions.SellerActions;

public static class ActionStates
{
    /// <summary>The Mercado Libre call is under way (or its host died during it).</summary>
    public const string Pending = "pending";

    /// <summary>Mercado Libre answered; the answer is kept and replayed for the same key.</summary>
    public const string Done = "done";

    /// <summary>History only: MeLi refused, or could not be reached (then the key was released for a retry).</summary>
    public const string Failed = "failed";

    /// <summary>
    /// A POST got no answer in time (a timeout, a network error, a 5xx): Mercado Libre may or may not
    /// have done it. The key stays held; the next request with it asks Mercado Libre before sending again.
    /// </summary>
    public const string Unknown = "unknown";
}

/// <summary>An idempotency record of the <c>SellerActions</c> table (PartitionKey seller id, RowKey the key).</summary>
public sealed record IdempotencyRecord(
    string SellerId,
    string Key,
    string State,
    string Fingerprint,
    string Operation,
    long? OrderId,
    string Owner,
    DateTimeOffset StartedAt,
    int? ResponseStatus,
    string? ResponseBody,
    ETag ETag)
{
    /// <summary>When the first attempt with this key began (what an outcome check looks for is newer).</summary>
    public DateTimeOffset FirstAttemptAt { get; init; } = StartedAt;
}

/// <summary>One action as recorded with its order (<c>OrderActions</c>: PartitionKey order id, RowKey the idempotency key).</summary>
public sealed record OrderActionRow(
    long OrderId,
    string Key,
    string SellerId,
    string Operation,
    string Source,
    string State,
    string? Request,
    int? Status,
    string? Error,
    string? Result,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt)
{
    public JsonObject ToJson() => new()
    {
        ["idempotency_key"] = Key,
        ["operation"] = Operation,
        ["source"] = Source,
        ["state"] = State,
        ["request"] = Parse(Request),
        ["status"] = Status,
        ["error"] = Error,
        ["result"] = Parse(Result),
        ["created_at"] = CreatedAt,
        ["completed_at"] = CompletedAt,
    };

    internal static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }
    }
}

/// <summary>The two tables of seller actions: the idempotency records and the per-order history.</summary>
public sealed class ActionRecordStore(StorageClients storage)
{
    private const int ChunkChars = 30_000;

    private TableClient Keys => storage.Table(StorageNames.SellerActionsTable);

    private TableClient History => storage.Table(StorageNames.OrderActionsTable);

    /// <summary>Writes a new pending record; null when the key already exists (the caller reads it).</summary>
    public async Task<IdempotencyRecord?> TryAddPendingAsync(IdempotencyRecord record, CancellationToken cancellationToken)
    {
        var entity = ToEntity(record);
        try
        {
            var added = await Keys.AddEntityAsync(entity, cancellationToken);
            return record with { ETag = added.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    public async Task<IdempotencyRecord?> GetAsync(string sellerId, string key, CancellationToken cancellationToken)
    {
        var response = await Keys.GetEntityIfExistsAsync<TableEntity>(sellerId, key, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Replaces the record if it is still as read (its ETag); null if another request changed it first.</summary>
    public async Task<IdempotencyRecord?> TryReplaceAsync(IdempotencyRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var replaced = await Keys.UpdateEntityAsync(ToEntity(record), record.ETag, TableUpdateMode.Replace, cancellationToken);
            return record with { ETag = replaced.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>Deletes the record if it is still as read, so the key can be used again (after a transient failure).</summary>
    public async Task ReleaseAsync(IdempotencyRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await Keys.DeleteEntityAsync(record.SellerId, record.Key, record.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // Taken over or already gone: not ours to delete.
        }
    }

    public async Task UpsertHistoryAsync(OrderActionRow row, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(Key(row.OrderId), row.Key)
        {
            ["SellerId"] = row.SellerId,
            ["Operation"] = row.Operation,
            ["Source"] = row.Source,
            ["State"] = row.State,
            ["Request"] = Clip(row.Request),
            ["Status"] = row.Status,
            ["Error"] = row.Error,
            ["Result"] = Clip(row.Result),
            ["CreatedAt"] = row.CreatedAt,
            ["CompletedAt"] = row.CompletedAt,
        };
        await History.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The actions recorded with an order, oldest first.</summary>
    public async Task<IReadOnlyList<OrderActionRow>> ListForOrderAsync(long orderId, CancellationToken cancellationToken)
    {
        var rows = new List<OrderActionRow>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Key(orderId)}");
        await foreach (var e in History.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(new OrderActionRow(
                orderId,
                e.RowKey,
                e.GetString("SellerId") ?? "",
                e.GetString("Operation") ?? "",
                e.GetString("Source") ?? "",
                e.GetString("State") ?? "",
                e.GetString("Request"),
                e.GetInt32("Status"),
                e.GetString("Error"),
                e.GetString("Result"),
                e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
                e.GetDateTimeOffset("CompletedAt")));
        }

        return rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
    }

    private static TableEntity ToEntity(IdempotencyRecord r)
    {
        var entity = new TableEntity(r.SellerId, r.Key)
        {
            ["State"] = r.State,
            ["Fingerprint"] = r.Fingerprint,
            ["Operation"] = r.Operation,
            ["OrderId"] = r.OrderId,
            ["Owner"] = r.Owner,
            ["StartedAt"] = r.StartedAt,
            ["FirstAttemptAt"] = r.FirstAttemptAt,
            ["ResponseStatus"] = r.ResponseStatus,
        };
        var body = r.ResponseBody ?? "";
        for (var i = 0; i * ChunkChars < body.Length; i++)
        {
            entity[i == 0 ? "ResponseBody" : $"ResponseBody{i}"] = body.Substring(i * ChunkChars, Math.Min(ChunkChars, body.Length - (i * ChunkChars)));
        }

        return entity;
    }

    private static IdempotencyRecord FromEntity(TableEntity e)
    {
        string? body = null;
        if (e.GetString("ResponseBody") is { } first)
        {
            var text = new StringBuilder(first);
            for (var i = 1; e.GetString($"ResponseBody{i}") is { } chunk; i++)
            {
                text.Append(chunk);
            }

            body = text.ToString();
        }

        return new IdempotencyRecord(
            e.PartitionKey,
            e.RowKey,
            e.GetString("State") ?? ActionStates.Pending,
            e.GetString("Fingerprint") ?? "",
            e.GetString("Operation") ?? "",
            e.GetInt64("OrderId"),
            e.GetString("Owner") ?? "",
            e.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue,
            e.GetInt32("ResponseStatus"),
            body,
            e.ETag)
        {
            FirstAttemptAt = e.GetDateTimeOffset("FirstAttemptAt") ?? e.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue,
        };
    }

    /// <summary>History rows keep what fits in one table property; the idempotency record keeps the answer whole.</summary>
    private static string? Clip(string? json) => json is { Length: > ChunkChars } ? null : json;

    private static string Key(long orderId) => orderId.ToString(CultureInfo.InvariantCulture);
}
