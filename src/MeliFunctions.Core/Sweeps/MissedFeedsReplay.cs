using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.Notifications;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Sweeps;

/// <summary>
/// (c) <c>GET /missed_feeds?app_id=</c>: the notifications Mercado Libre could not deliver in the last
/// two days, oldest first, paged. Each one for a connected seller is queued once (its <c>_id</c> is
/// recorded in <c>SweepState</c>), as the webhook would have, with <c>Origin = "missed_feed"</c>.
/// </summary>
public sealed class MissedFeedsReplay(
    MeliApiClient meli,
    SweepStateStore state,
    StorageClients storage,
    IOptions<MeliOptions> meliOptions,
    IOptions<SweepOptions> options,
    TimeProvider time,
    ILogger<MissedFeedsReplay> logger)
{
    public const string Origin = "missed_feed";

    /// <summary>Mercado Libre's page size for missed feeds.</summary>
    public const int PageSize = 10;

    /// <param name="callerSellerId">a connected seller whose token reads the app's missed feeds</param>
    /// <param name="sellers">the sellers whose messages are replayed</param>
    public async Task<JsonObject> ReplayAsync(string callerSellerId, IReadOnlySet<string> sellers, CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var calls = MeliCallScope.Begin(MeliPriority.Background);
        var budget = new SweepCap(calls, o.MaxRequestsPerRun);
        int pages = 0, messages = 0, replayed = 0;
        var appId = meliOptions.Value.AppId;
        for (var offset = 0; !budget.Exhausted; pages++)
        {
            var page = await meli.GetMissedFeedsAsync(callerSellerId, appId, offset, PageSize, cancellationToken);
            foreach (var message in page)
            {
                messages++;
                if (await ReplayOneAsync(message, sellers, cancellationToken))
                {
                    replayed++;
                }
            }

            offset += page.Count;
            if (page.Count < PageSize)
            {
                pages++;
                break;
            }
        }

        logger.LogInformation("Missed feeds: {Messages} listed, {Replayed} replayed", messages, replayed);
        return new JsonObject { ["pages"] = pages, ["listed"] = messages, ["replayed"] = replayed };
    }

    private async Task<bool> ReplayOneAsync(MeliMissedFeed feed, IReadOnlySet<string> sellers, CancellationToken cancellationToken)
    {
        var (id, sellerId, resource, topic) = (feed.Id, feed.SellerId, feed.Resource, feed.Topic);
        if (id is null || sellerId is null || resource is null || topic is null || !sellers.Contains(sellerId))
        {
            return false;
        }

        if (!await state.TryRecordMissedFeedAsync(id, sellerId, cancellationToken))
        {
            return false;
        }

        var message = new NotificationMessage
        {
            SellerId = sellerId,
            Resource = resource,
            Topic = topic,
            NotificationId = id,
            ApplicationId = feed.ApplicationId,
            Attempts = feed.Attempts,
            Sent = feed.Sent,
            Received = time.GetUtcNow(),
            Origin = Origin,
        };
        try
        {
            await storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync(message.ToJson(), cancellationToken);
        }
        catch
        {
            await state.ForgetMissedFeedAsync(id, CancellationToken.None);
            throw;
        }

        logger.LogInformation("Missed notification {NotificationId} ({Topic} {Resource}) of seller {SellerId} replayed", id, topic, resource, sellerId);
        return true;
    }
}
