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

    public async Task SaveRunAsync(string runId, string kind, string state, JsonObject report, CancellationToken cancellationToken) =>
        await Table.UpsertEntityAsync(
            new TableEntity(RunPartition, runId)
            {
                ["Kind"] = kind,
                ["State"] = state,
                ["UpdatedAt"] = time.GetUtcNow(),
                ["ReportJson"] = report.ToJsonString(),
            },
            TableUpdateMode.Replace,
            cancellationToken);

    public async Task<JsonObject?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        var entity = await GetAsync(RunPartition, RowKeySafe(runId), cancellationToken);
        return entity?.GetString("ReportJson") is { } json ? JsonNode.Parse(json)?.AsObject() : null;
    }

    private static string RowKeySafe(string value)
    {
        var chars = value.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c).ToArray();
        return new string(chars);
    }
}
