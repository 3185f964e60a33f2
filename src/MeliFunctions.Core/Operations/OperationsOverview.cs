using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Orders;
using MeliFunctions.Storage;

namespace MeliFunctions.Operations;

/// <summary>
/// <c>GET /api/admin/overview[?seller=&amp;hours=]</c>: what the operator's page draws. Queue depths
/// and the age of each queue's oldest message, the sellers and their token state (never a token),
/// and orders per hour of <c>date_created</c> over the last hours (24 by default), read from the
/// <c>OrdersByDate</c> index: per seller, one key range from the start of the window.
/// </summary>
public sealed class OperationsOverview(StorageClients storage, SellerAccounts sellers, OrderSearchIndex index, TimeProvider time)
{
    public const int MaxHours = 168;

    public async Task<ApiResponse> GetAsync(string? seller, string? hoursText, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(seller) && !RequestKeys.IsMeliId(seller))
        {
            return ApiResponse.Error(400, "invalid_seller", $"seller must be a Mercado Libre user id (digits), not '{seller}'.");
        }

        var hours = 24;
        if (!string.IsNullOrEmpty(hoursText) && (!int.TryParse(hoursText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out hours) || hours < 1 || hours > MaxHours))
        {
            return ApiResponse.Error(400, "invalid_hours", $"hours must be an integer from 1 to {MaxHours}.");
        }

        var now = time.GetUtcNow();
        var queues = new JsonArray();
        foreach (var (name, depth, oldest) in await QueueStateAsync(storage, cancellationToken))
        {
            queues.Add(new JsonObject
            {
                ["name"] = name,
                ["depth"] = depth,
                ["oldest_inserted_on"] = oldest,
                ["oldest_age_seconds"] = oldest is { } o ? Math.Max(0, Math.Round((now - o).TotalSeconds)) : null,
            });
        }

        var accounts = new List<SellerAccount>();
        await foreach (var account in sellers.ListAsync(cancellationToken))
        {
            accounts.Add(account);
        }

        var sellerList = new JsonArray(accounts.OrderBy(a => a.SellerId, StringComparer.Ordinal).Select(a => (JsonNode)new JsonObject
        {
            ["seller_id"] = a.SellerId,
            ["status"] = a.Status,
            ["status_reason"] = a.StatusReason,
            ["token_state"] = TokenState(a, now),
            ["access_token_expires_at"] = a.AccessTokenExpiresAt,
            ["last_refresh_at"] = a.LastRefreshAt,
            ["connected_at"] = a.ConnectedAt,
        }).ToArray());

        var start = OrderSearchQuery.Hour(now).AddHours(-(hours - 1));
        var counts = new int[hours];
        var filter = TableClient.CreateQueryFilter($"DateCreated ge {start}");
        foreach (var sellerId in string.IsNullOrEmpty(seller) ? accounts.Select(a => a.SellerId) : [seller])
        {
            // An order's sort date is never before its date_created: the window's start bounds the key range.
            await foreach (var row in index.QueryAsync(sellerId, OrderSearchIndex.KeyPrefix(start), null, filter, cancellationToken))
            {
                if (row.DateCreated is { } created && created >= start)
                {
                    var bucket = (int)((created - start).TotalHours);
                    if (bucket < hours)
                    {
                        counts[bucket]++;
                    }
                }
            }
        }

        return ApiResponse.Json(200, new JsonObject
        {
            ["time"] = now,
            ["queues"] = queues,
            ["sellers"] = sellerList,
            ["orders_per_hour"] = new JsonObject
            {
                ["seller"] = string.IsNullOrEmpty(seller) ? null : seller,
                ["from"] = start,
                ["by"] = "date_created",
                ["hours"] = new JsonArray(counts.Select((c, i) => (JsonNode)new JsonObject { ["hour"] = start.AddHours(i), ["count"] = c }).ToArray()),
                ["total"] = counts.Sum(),
            },
        });
    }

    /// <summary>Each queue's approximate depth and its oldest message's insertion time (a peek: nothing is taken).</summary>
    internal static async Task<List<(string Name, int Depth, DateTimeOffset? Oldest)>> QueueStateAsync(StorageClients storage, CancellationToken cancellationToken)
    {
        var list = new List<(string, int, DateTimeOffset?)>();
        foreach (var name in StorageNames.Queues)
        {
            var queue = storage.Queue(name);
            var depth = (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            var peeked = depth == 0 ? [] : (await queue.PeekMessagesAsync(1, cancellationToken)).Value;
            list.Add((name, depth, peeked.Length == 0 ? null : peeked[0].InsertedOn));
        }

        return list;
    }

    /// <summary>
    /// <c>disconnected</c> when the refresh token stopped working (the seller must authorise again);
    /// <c>valid</c> while the access token lasts; <c>expired</c> when it has lapsed, which is normal:
    /// it is refreshed on the next call to MeLi.
    /// </summary>
    internal static string TokenState(SellerAccount account, DateTimeOffset now) =>
        !account.IsConnected ? "disconnected"
        : account.AccessTokenExpiresAt is { } expires && expires > now ? "valid"
        : "expired";
}
