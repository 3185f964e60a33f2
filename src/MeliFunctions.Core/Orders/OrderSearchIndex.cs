using System.Globalization;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;

namespace MeliFunctions.Orders;

/// <summary>One row of the <c>OrdersByDate</c> index, as a search reads it.</summary>
public sealed record OrderIndexRow(
    string SellerId,
    string RowKey,
    long OrderId,
    string? Status,
    DateTimeOffset? DateCreated,
    DateTimeOffset? DateClosed,
    DateTimeOffset? LastUpdated,
    string Tags,
    string ItemIds,
    string ItemTitles,
    string? BuyerNickname);

/// <summary>
/// The <c>OrdersByDate</c> table: the search index of the stored orders. PartitionKey is the seller
/// id; RowKey is <c>{sort date}_{order id}</c>, the sort date being MeLi's sorting date for a
/// seller (<c>date_closed</c>, else <c>date_created</c>) written so that text order is time order.
/// The row carries what the filters read (status, the three dates, tags, item ids and titles, the
/// buyer's nickname), so a search reads one seller's partition over a key range, never the orders.
/// </summary>
/// <remarks>
/// Written by <see cref="OrderStore"/> after every order write (and rewritten when a duplicate
/// finds nothing newer, which repairs a row a crash left behind). When the sort date moves (the
/// order closes) the old row is deleted and the new one written in one transaction.
/// </remarks>
public sealed class OrderSearchIndex(StorageClients storage)
{
    private const string KeyFormat = "yyyyMMdd'T'HHmmss.fffffff'Z'";

    private TableClient Table => storage.Table(StorageNames.OrdersByDateTable);

    /// <summary>MeLi's sorting date for a seller's search: when the order closed, else when it was created.</summary>
    public static DateTimeOffset? SortDate(JsonObject order) =>
        OrderStore.ReadTime(order, "date_closed") ?? OrderStore.ReadTime(order, "date_created");

    /// <summary>The RowKey for an order (null if the order has neither date).</summary>
    public static string? RowKey(JsonObject order, long orderId) =>
        SortDate(order) is { } date ? RowKey(date, orderId) : null;

    public static string RowKey(DateTimeOffset sortDate, long orderId) =>
        KeyPrefix(sortDate) + "_" + orderId.ToString("D20", CultureInfo.InvariantCulture);

    /// <summary>The key text of an instant: every RowKey of an order sorted at or after it compares greater or equal.</summary>
    public static string KeyPrefix(DateTimeOffset instant) => instant.UtcDateTime.ToString(KeyFormat, CultureInfo.InvariantCulture);

    /// <summary>Writes the order's row; deletes the row of <paramref name="previous"/> when its sort date differs.</summary>
    public async Task WriteAsync(string sellerId, long orderId, JsonObject order, JsonObject? previous, CancellationToken cancellationToken)
    {
        if (ToEntity(sellerId, orderId, order) is not { } entity)
        {
            return;
        }

        var oldKey = previous is null ? null : RowKey(previous, orderId);
        if (oldKey is not null && oldKey != entity.RowKey)
        {
            try
            {
                await Table.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(sellerId, oldKey), ETag.All),
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity),
                    ],
                    cancellationToken);
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // The old row was never written (or is gone already): write the new one alone.
            }
        }

        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Removes a row the search found to disagree with the stored order (left by a crash between two writes).</summary>
    public async Task DeleteStaleAsync(OrderIndexRow row, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(row.SellerId, row.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    /// <summary>The seller's rows with RowKey in [<paramref name="fromKey"/>, <paramref name="toKey"/>), filtered on the server by <paramref name="extraFilter"/>.</summary>
    public async IAsyncEnumerable<OrderIndexRow> QueryAsync(
        string sellerId, string? fromKey, string? toKey, string? extraFilter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parts = new List<string> { TableClient.CreateQueryFilter($"PartitionKey eq {sellerId}") };
        if (fromKey is not null)
        {
            parts.Add(TableClient.CreateQueryFilter($"RowKey ge {fromKey}"));
        }

        if (toKey is not null)
        {
            parts.Add(TableClient.CreateQueryFilter($"RowKey lt {toKey}"));
        }

        if (!string.IsNullOrEmpty(extraFilter))
        {
            parts.Add(extraFilter);
        }

        await foreach (var e in Table.QueryAsync<TableEntity>(string.Join(" and ", parts), maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            yield return FromEntity(e);
        }
    }

    private static TableEntity? ToEntity(string sellerId, long orderId, JsonObject order)
    {
        if (RowKey(order, orderId) is not { } rowKey)
        {
            return null;
        }

        var items = order["order_items"] as JsonArray ?? [];
        return new TableEntity(sellerId, rowKey)
        {
            ["OrderId"] = OrderStore.Key(orderId),
            ["Status"] = order["status"] is JsonValue s && s.TryGetValue<string>(out var status) ? status : null,
            ["DateCreated"] = OrderStore.ReadTime(order, "date_created"),
            ["DateClosed"] = OrderStore.ReadTime(order, "date_closed"),
            ["LastUpdated"] = OrderStore.ReadTime(order, "last_updated"),
            ["Tags"] = Joined((order["tags"] as JsonArray ?? []).Select(Text)),
            ["ItemIds"] = Joined(items.Select(i => Text(i?["item"]?["id"]))),
            // Titles are for a case-insensitive 'contains': kept lower-case, one per line.
            ["ItemTitles"] = string.Join('\n', items.Select(i => Text(i?["item"]?["title"])?.ToLowerInvariant()).Where(t => !string.IsNullOrEmpty(t))),
            ["BuyerNickname"] = Text(order["buyer"]?["nickname"]),
        };
    }

    private static OrderIndexRow FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey,
        long.Parse(e.GetString("OrderId") ?? e.RowKey[(e.RowKey.LastIndexOf('_') + 1)..], CultureInfo.InvariantCulture),
        e.GetString("Status"),
        e.GetDateTimeOffset("DateCreated"),
        e.GetDateTimeOffset("DateClosed"),
        e.GetDateTimeOffset("LastUpdated"),
        e.GetString("Tags") ?? ",",
        e.GetString("ItemIds") ?? ",",
        e.GetString("ItemTitles") ?? "",
        e.GetString("BuyerNickname"));

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary><c>,a,b,</c> (<c>,</c> when empty): a filter looks for <c>,tag,</c>.</summary>
    private static string Joined(IEnumerable<string?> values)
    {
        var list = values.Where(v => !string.IsNullOrEmpty(v)).ToList();
        return list.Count == 0 ? "," : "," + string.Join(',', list) + ",";
    }
}
