using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Queues.Models;
using MeliFunctions.Hosting;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Operations;

/// <summary>
/// <c>GET /api/admin/poison</c> and <c>POST /api/admin/poison/{messageId}/requeue</c>: what was
/// parked in <c>meli-notifications-poison</c> and why, and putting one message back on
/// <c>meli-notifications</c> with its original text.
/// </summary>
public sealed partial class PoisonAdmin(StorageClients storage, Orders.UnavailableOrders unavailable, ILogger<PoisonAdmin> logger)
{
    /// <summary>Queue storage shows at most 32 messages per peek: the listing is the 32 oldest.</summary>
    public const int MaxListed = 32;

    /// <summary>How many poison messages a requeue looks through for the one asked for.</summary>
    public const int MaxSearched = 320;

    private static readonly TimeSpan SearchHold = TimeSpan.FromSeconds(30);

    public async Task<ApiResponse> ListAsync(CancellationToken cancellationToken)
    {
        var queue = storage.Queue(StorageNames.NotificationsPoisonQueue);
        var depth = (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        var peeked = (await queue.PeekMessagesAsync(MaxListed, cancellationToken)).Value;
        var messages = new JsonArray();
        foreach (var m in peeked)
        {
            messages.Add(Describe(m.MessageId, m.InsertedOn, m.DequeueCount, m.MessageText));
        }

        return ApiResponse.Json(200, new JsonObject
        {
            ["queue"] = StorageNames.NotificationsPoisonQueue,
            ["requeue_to"] = StorageNames.NotificationsQueue,
            ["count"] = depth,
            ["shown"] = messages.Count,
            ["messages"] = messages,
        });
    }

    public async Task<ApiResponse> RequeueAsync(string messageId, CancellationToken cancellationToken)
    {
        if (!MessageIdPattern().IsMatch(messageId))
        {
            return ApiResponse.Error(400, "invalid_message_id", $"'{messageId}' is not a queue message id (a GUID, as GET /api/admin/poison lists them).");
        }

        var poison = storage.Queue(StorageNames.NotificationsPoisonQueue);
        var heldBack = new List<QueueMessage>();
        QueueMessage? found = null;
        try
        {
            // Received messages stay hidden while we look, so each round sees new ones.
            while (found is null && heldBack.Count < MaxSearched)
            {
                var batch = (await poison.ReceiveMessagesAsync(32, SearchHold, cancellationToken)).Value;
                if (batch.Length == 0)
                {
                    break;
                }

                foreach (var m in batch)
                {
                    if (found is null && string.Equals(m.MessageId, messageId, StringComparison.OrdinalIgnoreCase))
                    {
                        found = m;
                    }
                    else
                    {
                        heldBack.Add(m);
                    }
                }
            }

            if (found is null)
            {
                return ApiResponse.NotFound($"No message {messageId} in {StorageNames.NotificationsPoisonQueue} (already requeued, or not among the {MaxSearched} oldest).");
            }

            var (original, reason) = PoisonQueue.Unwrap(found.MessageText);
            if (Notifications.NotificationMessage.TryParse(original) is { } requeued && Notifications.NotificationTopics.OrderId(requeued.Resource) is { } orderId)
            {
                // An operator asks for this order again: it gets a real GET, even if MeLi refused it a moment ago.
                unavailable.Forget(requeued.SellerId, orderId);
            }

            // Send first, then delete: a crash in between leaves a duplicate notification, which the order sync absorbs, never a lost one.
            await storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync(original, cancellationToken);
            await poison.DeleteMessageAsync(found.MessageId, found.PopReceipt, cancellationToken);
            logger.LogInformation("Poison message {MessageId} requeued to {Queue} (parked for: {Reason})", found.MessageId, StorageNames.NotificationsQueue, reason);
            return ApiResponse.Json(200, new JsonObject
            {
                ["requeued"] = found.MessageId,
                ["queue"] = StorageNames.NotificationsQueue,
                ["reason"] = reason,
            });
        }
        finally
        {
            foreach (var m in heldBack)
            {
                try
                {
                    await poison.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None);
                }
                catch (Azure.RequestFailedException ex)
                {
                    // It becomes visible again by itself when the hold ends.
                    logger.LogWarning("Could not release poison message {MessageId} at once ({Status}); visible again within {Hold}", m.MessageId, ex.Status, SearchHold);
                }
            }
        }
    }

    /// <summary>A poison message as an operator reads it: why, when, and the notification it carried (which holds no secrets).</summary>
    internal static JsonObject Describe(string messageId, DateTimeOffset? insertedOn, long dequeueCount, string text)
    {
        JsonObject? envelope = null;
        try
        {
            envelope = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        var (original, reason) = PoisonQueue.Unwrap(text);
        JsonNode? notification;
        try
        {
            notification = JsonNode.Parse(original);
        }
        catch (System.Text.Json.JsonException)
        {
            notification = JsonValue.Create(original.Length > 500 ? original[..500] + "..." : original);
        }

        return new JsonObject
        {
            ["message_id"] = messageId,
            ["inserted_on"] = insertedOn,
            ["reason"] = reason ?? "moved here by the queue trigger (no reason recorded)",
            ["error"] = envelope?["error"]?.DeepClone(),
            ["details"] = envelope?["details"]?.DeepClone(),
            ["parked_at"] = envelope?["parked_at"]?.DeepClone(),
            ["dequeue_count"] = envelope?["dequeue_count"]?.DeepClone() ?? dequeueCount,
            ["notification"] = notification,
        };
    }

    [GeneratedRegex("^[0-9A-Fa-f-]{8,64}\\z")]
    private static partial Regex MessageIdPattern();
}
