using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;

namespace MeliFunctions.Fraud;

/// <summary>
/// The <c>FraudCases</c> table: PartitionKey seller id, RowKey order id. A case is created once
/// (an insert: a second insert for the order fails) and every change is written under its ETag.
/// </summary>
public sealed class FraudCaseStore(StorageClients storage, Orders.OrderStore orders)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private TableClient Cases => storage.Table(StorageNames.FraudCasesTable);

    public async Task<FraudCase?> GetAsync(string sellerId, long orderId, CancellationToken cancellationToken)
    {
        var response = await Cases.GetEntityIfExistsAsync<TableEntity>(sellerId, Key(orderId), cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Finds a case by the order id alone: the order index names the seller, then a point read.</summary>
    public async Task<FraudCase?> FindAsync(long orderId, CancellationToken cancellationToken) =>
        await orders.FindSellerAsync(orderId, cancellationToken) is { } sellerId ? await GetAsync(sellerId, orderId, cancellationToken) : null;

    /// <summary>A seller's cases (one partition), newest order first, at most <paramref name="max"/>.</summary>
    public async Task<List<FraudCase>> ListAsync(string sellerId, int max, CancellationToken cancellationToken)
    {
        var list = new List<FraudCase>();
        await foreach (var entity in Cases.QueryAsync<TableEntity>(e => e.PartitionKey == sellerId, cancellationToken: cancellationToken))
        {
            list.Add(FromEntity(entity));
        }

        return list.OrderByDescending(c => c.OrderId).Take(max).ToList();
    }

    /// <summary>
    /// A seller's cases still <c>held</c> (opened or reopened, no step of the flow begun) and unchanged
    /// since before <paramref name="before"/>: one partition, filtered by the table service.
    /// </summary>
    public async Task<List<FraudCase>> ListHeldSinceAsync(string sellerId, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var held = FraudNames.Of(FraudState.Held);
        var list = new List<FraudCase>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sellerId} and State eq {held} and UpdatedAt lt {before}");
        await foreach (var entity in Cases.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            list.Add(FromEntity(entity));
        }

        return list;
    }

    /// <summary>Creates the case; false if the order already has one (one case per order).</summary>
    public async Task<bool> TryAddAsync(FraudCase c, CancellationToken cancellationToken)
    {
        try
        {
            await Cases.AddEntityAsync(ToEntity(c), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Writes <paramref name="c"/> if the stored case still has <c>c.ETag</c>; null if someone wrote first.</summary>
    public async Task<FraudCase?> TryUpdateAsync(FraudCase c, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Cases.UpdateEntityAsync(ToEntity(c), c.ETag, TableUpdateMode.Replace, cancellationToken);
            return c with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    private static TableEntity ToEntity(FraudCase c) => new(c.SellerId, Key(c.OrderId))
    {
        ["State"] = FraudNames.Of(c.State),
        ["Hold"] = c.Hold,
        ["Steps"] = JsonSerializer.Serialize(c.Steps, Json),
        ["Deadline"] = c.Deadline,
        ["PullPackage"] = c.PullPackage,
        ["ManualAction"] = c.ManualAction,
        ["StockRestored"] = c.StockRestored,
        ["NoteAdded"] = c.NoteAdded,
        ["BuyerBlacklisted"] = c.BuyerBlacklisted,
        ["InProgress"] = c.InProgress is { } step ? FraudNames.Of(step) : null,
        ["LeaseUntil"] = c.LeaseUntil,
        ["WakeAt"] = c.WakeAt,
        ["CreatedAt"] = c.CreatedAt,
        ["UpdatedAt"] = c.UpdatedAt,
    };

    private static FraudCase FromEntity(TableEntity e) => new(e.PartitionKey, long.Parse(e.RowKey, CultureInfo.InvariantCulture))
    {
        State = FraudNames.ParseState(e.GetString("State") ?? "held"),
        Hold = e.GetBoolean("Hold") ?? true,
        Steps = JsonSerializer.Deserialize<List<FraudStepRecord>>(e.GetString("Steps") ?? "[]", Json) ?? [],
        Deadline = e.GetDateTimeOffset("Deadline"),
        PullPackage = e.GetBoolean("PullPackage") ?? false,
        ManualAction = e.GetString("ManualAction"),
        StockRestored = e.GetBoolean("StockRestored") ?? false,
        NoteAdded = e.GetBoolean("NoteAdded") ?? false,
        BuyerBlacklisted = e.GetBoolean("BuyerBlacklisted") ?? false,
        InProgress = e.GetString("InProgress") is { } step ? FraudNames.ParseStep(step) : null,
        LeaseUntil = e.GetDateTimeOffset("LeaseUntil"),
        WakeAt = e.GetDateTimeOffset("WakeAt"),
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        UpdatedAt = e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        ETag = e.ETag,
    };

    private static string Key(long orderId) => orderId.ToString(CultureInfo.InvariantCulture);
}
