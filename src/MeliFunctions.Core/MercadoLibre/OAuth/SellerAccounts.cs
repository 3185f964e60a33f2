using Azure;
using Azure.Data.Tables;
using MeliFunctions.Storage;

namespace MeliFunctions.MercadoLibre.OAuth;

/// <summary>A connected seller as operators see it: no tokens.</summary>
public sealed record SellerAccount(
    string SellerId,
    string Status,
    string? StatusReason,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? AccessTokenExpiresAt,
    DateTimeOffset? LastRefreshAt)
{
    public const string Connected = "connected";
    public const string Disconnected = "disconnected";

    public bool IsConnected => Status == Connected;
}

/// <summary>The seller's row with its tokens and the refresh lease, as read (with its ETag).</summary>
internal sealed record SellerTokens(
    string SellerId,
    string Status,
    string AccessToken,
    string RefreshToken,
    DateTimeOffset AccessTokenExpiresAt,
    DateTimeOffset? RefreshLeaseUntil,
    ETag ETag)
{
    public override string ToString() => $"SellerTokens({SellerId}, {Status}, expires {AccessTokenExpiresAt:O})";
}

/// <summary>
/// The <c>Sellers</c> table: one row per connected seller (PartitionKey <c>seller</c>, RowKey the
/// seller id) with the OAuth tokens (sealed, <see cref="TokenSealer"/>), the connection state and
/// the refresh lease.
/// </summary>
public sealed class SellerAccounts(StorageClients storage, TokenSealer sealer, TimeProvider time)
{
    internal const string AccessTokenColumn = "AccessToken";
    internal const string RefreshTokenColumn = "RefreshToken";

    internal const string Partition = "seller";

    /// <summary>Table Storage cannot null a property in a merge, so a free lease is a time long past.</summary>
    private static readonly DateTimeOffset NoLease = DateTimeOffset.UnixEpoch;
    private TableClient Table => storage.Table(StorageNames.SellersTable);

    public async Task ConnectAsync(TokenResponse tokens, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sellerId = tokens.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var entity = new TableEntity(Partition, sellerId)
        {
            ["Status"] = SellerAccount.Connected,
            ["StatusReason"] = null,
            [AccessTokenColumn] = sealer.Seal(sellerId, AccessTokenColumn, tokens.AccessToken),
            [RefreshTokenColumn] = sealer.Seal(sellerId, RefreshTokenColumn, tokens.RefreshToken ?? ""),
            ["AccessTokenExpiresAt"] = now.AddSeconds(tokens.ExpiresIn),
            ["Scope"] = tokens.Scope,
            ["ConnectedAt"] = now,
            ["LastRefreshAt"] = now,
            ["RefreshLeaseUntil"] = NoLease,
        };
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<SellerAccount?> GetAsync(string sellerId, CancellationToken cancellationToken)
    {
        var entity = await GetEntityAsync(sellerId, cancellationToken);
        return entity is null ? null : ToAccount(entity);
    }

    public async IAsyncEnumerable<SellerAccount> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entity in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            yield return ToAccount(entity);
        }
    }

    /// <summary>
    /// The seller's row with its tokens opened. A row written by an older version (tokens in clear)
    /// or sealed with a key that is no longer the first is written again, sealed with the current
    /// key, under its ETag (a row changed meanwhile is left to the next read).
    /// </summary>
    internal async Task<SellerTokens?> GetTokensAsync(string sellerId, CancellationToken cancellationToken)
    {
        var e = await GetEntityAsync(sellerId, cancellationToken);
        if (e is null)
        {
            return null;
        }

        var (access, resealAccess) = sealer.Open(e.RowKey, AccessTokenColumn, e.GetString(AccessTokenColumn) ?? "");
        var (refresh, resealRefresh) = sealer.Open(e.RowKey, RefreshTokenColumn, e.GetString(RefreshTokenColumn) ?? "");
        var etag = e.ETag;
        if (resealAccess || resealRefresh)
        {
            var patch = new TableEntity(Partition, e.RowKey)
            {
                [AccessTokenColumn] = sealer.Seal(e.RowKey, AccessTokenColumn, access),
                [RefreshTokenColumn] = sealer.Seal(e.RowKey, RefreshTokenColumn, refresh),
            };
            try
            {
                etag = (await Table.UpdateEntityAsync(patch, e.ETag, TableUpdateMode.Merge, cancellationToken)).Headers.ETag ?? etag;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Changed meanwhile (a refresh, most likely, which writes sealed values).
            }
        }

        return new SellerTokens(
            e.RowKey,
            e.GetString("Status") ?? SellerAccount.Disconnected,
            access,
            refresh,
            e.GetDateTimeOffset("AccessTokenExpiresAt") ?? DateTimeOffset.MinValue,
            e.GetDateTimeOffset("RefreshLeaseUntil"),
            etag);
    }

    /// <summary>Takes the refresh lease if the row is unchanged since it was read; the new ETag, or null if another worker got there first.</summary>
    internal async Task<ETag?> TryTakeRefreshLeaseAsync(SellerTokens read, TimeSpan lease, CancellationToken cancellationToken)
    {
        var patch = new TableEntity(Partition, read.SellerId) { ["RefreshLeaseUntil"] = time.GetUtcNow().Add(lease) };
        try
        {
            var response = await Table.UpdateEntityAsync(patch, read.ETag, TableUpdateMode.Merge, cancellationToken);
            return response.Headers.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>Stores a refreshed pair on the row as leased (its ETag); false when the row changed since (the caller reads it again).</summary>
    internal async Task<bool> StoreRefreshedAsync(string sellerId, TokenResponse tokens, ETag lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var patch = new TableEntity(Partition, sellerId)
        {
            [AccessTokenColumn] = sealer.Seal(sellerId, AccessTokenColumn, tokens.AccessToken),
            [RefreshTokenColumn] = sealer.Seal(sellerId, RefreshTokenColumn, tokens.RefreshToken ?? ""),
            ["AccessTokenExpiresAt"] = now.AddSeconds(tokens.ExpiresIn),
            ["LastRefreshAt"] = now,
            ["RefreshLeaseUntil"] = NoLease,
            ["Status"] = SellerAccount.Connected,
        };
        try
        {
            await Table.UpdateEntityAsync(patch, lease, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412)
        {
            return false;
        }
    }

    internal async Task ReleaseLeaseAsync(string sellerId, ETag lease, CancellationToken cancellationToken)
    {
        try
        {
            await Table.UpdateEntityAsync(new TableEntity(Partition, sellerId) { ["RefreshLeaseUntil"] = NoLease }, lease, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // Someone else owns the row now; the lease expires by itself.
        }
    }

    /// <summary>Marks the seller disconnected; true only for the call that made the change (so it is logged once).</summary>
    internal async Task<bool> MarkDisconnectedAsync(string sellerId, string reason, ETag ifMatch, CancellationToken cancellationToken)
    {
        var patch = new TableEntity(Partition, sellerId)
        {
            ["Status"] = SellerAccount.Disconnected,
            ["StatusReason"] = reason,
            ["RefreshLeaseUntil"] = NoLease,
        };
        try
        {
            await Table.UpdateEntityAsync(patch, ifMatch, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
    }

    private async Task<TableEntity?> GetEntityAsync(string sellerId, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, sellerId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private static SellerAccount ToAccount(TableEntity e) => new(
        e.RowKey,
        e.GetString("Status") ?? SellerAccount.Disconnected,
        e.GetString("StatusReason"),
        e.GetDateTimeOffset("ConnectedAt"),
        e.GetDateTimeOffset("AccessTokenExpiresAt"),
        e.GetDateTimeOffset("LastRefreshAt"));
}
