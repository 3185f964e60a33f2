using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;

namespace MeliFunctions.Stock;

/// <summary>What the reconcile did with one ledger row (or a listing, when the row's listing was skipped).</summary>
public sealed record ReconcileEntry(string ItemId, long? VariationId, string Outcome, int? Ledger, int? Meli, string? Reason);

public static class ReconcileOutcomes
{
    /// <summary>Dry run: the figures differ, nothing was pushed.</summary>
    public const string Differed = "differed";
    public const string Pushed = "pushed";
    public const string Failed = "failed";

    /// <summary>The listing is closed or under review: Mercado Libre refuses stock updates.</summary>
    public const string Skipped = "skipped";

    /// <summary>Not done in this run (the request budget ran out, or a raise waits for the full run): the next run does it.</summary>
    public const string Deferred = "deferred";
}

/// <summary>One reconcile run for one seller: counts, and every row that was not already in sync.</summary>
public sealed class ReconcileReport
{
    public const int MaxStoredEntries = 500;

    public required string SellerId { get; init; }

    public required string Mode { get; init; }

    public required bool DryRun { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset FinishedAt { get; set; }

    public int Listings { get; set; }

    public int Rows { get; set; }

    public int InSync { get; set; }

    public int MeliCalls { get; set; }

    public int HealedEffects { get; set; }

    public List<ReconcileEntry> Entries { get; } = [];

    public int Count(string outcome) => Entries.Count(e => e.Outcome == outcome);

    /// <summary>Rows whose figures differ from Mercado Libre's (pushed, failed, deferred or only reported).</summary>
    public int Differed => Entries.Count(e => e.Outcome is ReconcileOutcomes.Differed or ReconcileOutcomes.Pushed || (e.Outcome is ReconcileOutcomes.Failed or ReconcileOutcomes.Deferred && e.Meli is not null && e.Ledger is not null && e.Meli != e.Ledger));

    public JsonObject ToJson(int maxEntries = MaxStoredEntries) => new()
    {
        ["seller_id"] = SellerId,
        ["mode"] = Mode,
        ["dry_run"] = DryRun,
        ["started_at"] = StartedAt,
        ["finished_at"] = FinishedAt,
        ["listings"] = Listings,
        ["rows"] = Rows,
        ["in_sync"] = InSync,
        ["differed"] = Differed,
        ["pushed"] = Count(ReconcileOutcomes.Pushed),
        ["failed"] = Count(ReconcileOutcomes.Failed),
        ["skipped"] = Count(ReconcileOutcomes.Skipped),
        ["deferred"] = Count(ReconcileOutcomes.Deferred),
        ["meli_calls"] = MeliCalls,
        ["healed_effects"] = HealedEffects,
        ["entries"] = new JsonArray(Entries.Take(maxEntries).Select(e => (JsonNode)new JsonObject
        {
            ["item_id"] = e.ItemId,
            ["variation_id"] = e.VariationId,
            ["outcome"] = e.Outcome,
            ["ledger"] = e.Ledger,
            ["meli"] = e.Meli,
            ["reason"] = e.Reason,
        }).ToArray()),
        ["entries_left_out"] = Math.Max(0, Entries.Count - maxEntries),
    };
}

/// <summary>The <c>StockReports</c> table: one row per run, PartitionKey seller id, RowKey inverted ticks (newest first).</summary>
public sealed class ReconcileReportStore(StorageClients storage)
{
    private const int ChunkChars = 30_000;

    private TableClient Table => storage.Table(StorageNames.StockReportsTable);

    public async Task SaveAsync(ReconcileReport report, CancellationToken cancellationToken)
    {
        var json = report.ToJson().ToJsonString();
        var rowKey = (DateTimeOffset.MaxValue.UtcTicks - report.StartedAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
        var entity = new TableEntity(report.SellerId, rowKey)
        {
            ["DryRun"] = report.DryRun,
            ["Mode"] = report.Mode,
            ["StartedAt"] = report.StartedAt,
            ["FinishedAt"] = report.FinishedAt,
        };
        for (var i = 0; i * ChunkChars < json.Length; i++)
        {
            entity[i == 0 ? "Report" : $"Report{i}"] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
        }

        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<JsonObject?> LastAsync(string sellerId, CancellationToken cancellationToken)
    {
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {sellerId}"), maxPerPage: 1, cancellationToken: cancellationToken))
        {
            var json = new System.Text.StringBuilder(e.GetString("Report"));
            for (var i = 1; e.GetString($"Report{i}") is { } chunk; i++)
            {
                json.Append(chunk);
            }

            return JsonNode.Parse(json.ToString())!.AsObject();
        }

        return null;
    }
}
