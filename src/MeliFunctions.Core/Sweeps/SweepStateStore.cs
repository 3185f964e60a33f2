using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Sweeps;

/// <summary>Another run holds the row's lease now (it took it over after ours expired): stop, change nothing more.</summary>
public sealed class SweepLeaseLostException(string message) : Exception(message);

/// <summary>
/// The <c>SweepState</c> table. Per seller (PartitionKey = seller id): the <c>sweep</c> row (the
/// "changed since" watermark and the cursor of the window in progress) and the <c>backfill</c> row
/// (cursor and progress). Each carries an ETag lease (<c>LeaseOwner</c>, <c>LeaseUntil</c>): a run
/// takes it with an ETag-guarded write, renews it with every cursor write, and a second run, another
/// Server or a timer firing twice, finds it held and does nothing. Also the runs (PartitionKey
/// <c>run</c>) and the missed feeds already replayed (PartitionKey <c>missed_feed</c>).
/// </summary>
public sealed class SweepStateStore(StorageClients storage, IOptions<SweepOptions> options, TimeProvider time)
{
    public const string SweepRow = "sweep";
    public const string BackfillRow = "backfill";
    public const string RunPartition = "run";
    public const string MissedFeedPartition = "missed_feed";

    /// <summary>Table Storage cannot null a property in a merge, so a free lease is a time long past.</summary>
    private static readonly DateTimeOffset NoLease = DateTimeOffset.UnixEpoch;

    private TableClient Table => storage.Table(StorageNames.SweepStateTable);

    public async Task<TableEntity?> GetAsync(string partition, string row, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Takes the lease on a seller's row for <paramref name="owner"/>: the row as written (with its new
    /// ETag), or null when another run holds an unexpired lease.
    /// </summary>
    public async Task<TableEntity?> TryLeaseAsync(string sellerId, string row, string owner, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = time.GetUtcNow();
            var current = await GetAsync(sellerId, row, cancellationToken);
            if (current is not null && current.GetDateTimeOffset("LeaseUntil") is { } until && until > now && current.GetString("LeaseOwner") != owner)
            {
                return null;
            }

            var entity = current ?? new TableEntity(sellerId, row);
            entity["LeaseOwner"] = owner;
            entity["LeaseUntil"] = now + options.Value.LeaseDuration;
            try
            {
                if (current is null)
                {
                    var added = await Table.AddEntityAsync(entity, cancellationToken);
                    entity.ETag = added.Headers.ETag ?? default;
                }
                else
                {
                    var updated = await Table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken);
                    entity.ETag = updated.Headers.ETag ?? default;
                }

                return entity;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Someone wrote the row between our read and our write: read again and decide again.
            }
        }

        return null;
    }

    /// <summary>Writes the row (cursor, progress) and renews the lease, only if we still hold it.</summary>
    public async Task CommitAsync(TableEntity leased, CancellationToken cancellationToken)
    {
        leased["LeaseUntil"] = time.GetUtcNow() + options.Value.LeaseDuration;
        try
        {
            var updated = await Table.UpdateEntityAsync(leased, leased.ETag, TableUpdateMode.Replace, cancellationToken);
            leased.ETag = updated.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            throw new SweepLeaseLostException($"The lease on {leased.PartitionKey}/{leased.RowKey} was taken over by another run.");
        }
    }

    /// <summary>Writes the row one last time and frees the lease (best effort: a lease also expires by itself).</summary>
    public async Task ReleaseAsync(TableEntity leased, CancellationToken cancellationToken)
    {
        leased["LeaseUntil"] = NoLease;
        try
        {
            var updated = await Table.UpdateEntityAsync(leased, leased.ETag, TableUpdateMode.Replace, cancellationToken);
            leased.ETag = updated.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // Another run owns the row now.
        }
    }

    /// <summary>True the first time a missed feed <c>_id</c> is recorded; false when it was replayed before.</summary>
    public async Task<bool> TryRecordMissedFeedAsync(string id, string sellerId, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(new TableEntity(MissedFeedPartition, RowKeySafe(id)) { ["SellerId"] = sellerId, ["ReplayedAt"] = time.GetUtcNow() }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Undoes <see cref="TryRecordMissedFeedAsync"/> when the replay could not be queued, so the next sweep tries again.</summary>
    public async Task ForgetMissedFeedAsync(string id, CancellationToken cancellationToken) =>
        await Table.DeleteEntityAsync(MissedFeedPartition, RowKeySafe(id), ETag.All, cancellationToken);

    /// <summary>
    /// Saves a run's report, of any size: each seller's part in its own row (<c>{runId}|{n}</c>), the
    /// rest in the run's row, each JSON split over properties when long. A <c>running</c> run's row
    /// carries a lease (<see cref="SweepOptions.LeaseDuration"/>) that <see cref="KeepRunAlive"/>
    /// renews while its process lives: a run whose lease ran out reads as <c>interrupted</c>.
    /// </summary>
    public async Task SaveRunAsync(string runId, string kind, string state, JsonObject report, CancellationToken cancellationToken)
    {
        var summary = (JsonObject)report.DeepClone();
        var sellers = summary["sellers"] as JsonArray;
        summary.Remove("sellers");
        var key = RowKeySafe(runId);
        for (var i = 0; i < (sellers?.Count ?? 0); i++)
        {
            var row = new TableEntity(RunPartition, $"{key}|{i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)}") { ["Kind"] = "sweep_seller" };
            WriteJson(row, sellers![i]?.ToJsonString() ?? "null");
            await Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        }

        var entity = new TableEntity(RunPartition, key)
        {
            ["Kind"] = kind,
            ["State"] = state,
            ["UpdatedAt"] = time.GetUtcNow(),
            ["Sellers"] = sellers?.Count,
        };
        if (state == "running")
        {
            entity["LeaseUntil"] = time.GetUtcNow() + options.Value.LeaseDuration;
        }

        WriteJson(entity, summary.ToJsonString());
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Renews a running run's lease until disposed (every third of the lease), so the run reads as running while its process lives.</summary>
    public IAsyncDisposable KeepRunAlive(string runId)
    {
        var key = RowKeySafe(runId);
        return new RunHeartbeat(time, options.Value.LeaseDuration / 3, ct => Table.UpdateEntityAsync(
            new TableEntity(RunPartition, key) { ["LeaseUntil"] = time.GetUtcNow() + options.Value.LeaseDuration }, ETag.All, TableUpdateMode.Merge, ct));
    }

    public async Task<JsonObject?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        var key = RowKeySafe(runId);
        var entity = await GetAsync(RunPartition, key, cancellationToken);
        if (entity is null || ReadJson(entity) is not { } json || JsonNode.Parse(json) is not JsonObject report)
        {
            return null;
        }

        if (entity.GetString("State") == "running" && entity.GetDateTimeOffset("LeaseUntil") is { } until && until < time.GetUtcNow())
        {
            // Its process ended without finishing it (nothing renews the lease): what it saved stands, the next run goes on.
            report["state"] = "interrupted";
            report["error"] ??= "the process running this sweep stopped before it finished";
        }

        if (entity.GetInt32("Sellers") is { } count)
        {
            var parts = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RunPartition} and RowKey gt {key + "|"} and RowKey lt {key + "}"}");
            await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                parts[row.RowKey] = ReadJson(row) ?? "null";
            }

            report["sellers"] = new JsonArray(parts.Values.Take(count).Select(p => JsonNode.Parse(p)).ToArray());
        }

        return report;
    }

    private const int ChunkChars = 30_000; // a string property holds at most 32K UTF-16 characters

    private static void WriteJson(TableEntity entity, string json)
    {
        for (var i = 0; i == 0 || i * ChunkChars < json.Length; i++)
        {
            entity[i == 0 ? "ReportJson" : $"ReportJson{i}"] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
        }
    }

    private static string? ReadJson(TableEntity entity)
    {
        if (entity.GetString("ReportJson") is not { } first)
        {
            return null;
        }

        var json = new System.Text.StringBuilder(first);
        for (var i = 1; entity.GetString($"ReportJson{i}") is { } chunk; i++)
        {
            json.Append(chunk);
        }

        return json.ToString();
    }

    private sealed class RunHeartbeat : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _beating;

        public RunHeartbeat(TimeProvider time, TimeSpan every, Func<CancellationToken, Task<Response>> beat) =>
            _beating = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(every, time, _stop.Token);
                        await beat(_stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    catch (RequestFailedException)
                    {
                        // Storage blipped: the next beat tries again (the lease outlasts two missed beats).
                    }
                }
            });

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _beating;
            _stop.Dispose();
        }
    }

    private static string RowKeySafe(string value)
    {
        var chars = value.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c).ToArray();
        return new string(chars);
    }
}
