using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Notifications;

/// <summary>
/// The webhook: validates a Mercado Libre notification, writes it to the queue, and only then
/// answers 200. What cannot be a notification for this app gets a 4xx with a JSON reason and is
/// not enqueued; a queue that cannot be written gets a 503 so Mercado Libre retries.
/// Nothing slow happens here: one queue write, no table reads, no calls to Mercado Libre.
/// </summary>
public sealed class NotificationIntake(
    StorageClients storage,
    IOptions<MeliOptions> meli,
    IOptions<NotificationOptions> options,
    MeliMetrics metrics,
    TimeProvider time,
    ILogger<NotificationIntake> logger)
{
    private readonly long _appId = long.Parse(meli.Value.AppId, System.Globalization.CultureInfo.InvariantCulture);
    private readonly Azure.Storage.Queues.QueueClient _queue = storage.Queue(StorageNames.NotificationsQueue);
    private readonly HashSet<System.Net.IPAddress>? _allowList = options.Value.AllowList();
    private readonly byte[][] _secrets = new[] { options.Value.CallbackSecret, options.Value.PreviousCallbackSecret }
        .Where(s => !string.IsNullOrEmpty(s))
        .Select(s => System.Text.Encoding.UTF8.GetBytes(s!))
        .ToArray();

    public async Task<ApiResponse> AcceptAsync(IntakeRequest request, CancellationToken cancellationToken)
    {
        var (contentType, contentLength, body) = (request.ContentType, request.ContentLength, request.Body);
        var max = options.Value.MaxBodyBytes;
        if (_secrets.Length > 0 && !SecretMatches(request.Secret))
        {
            return Refuse(401, "invalid_secret", "The callback URL's 'secret' parameter is missing or wrong.");
        }

        if (_allowList is not null && (request.RemoteIp is null || !_allowList.Contains(request.RemoteIp)))
        {
            return Refuse(403, "address_not_allowed", $"Notifications are accepted only from the allowed addresses (Notifications__AllowedIps); {request.RemoteIp} is not one.");
        }

        if (!IsJson(contentType))
        {
            return Refuse(415, "unsupported_media_type", $"Content-Type must be application/json, not '{contentType ?? "(none)"}'.");
        }

        if (contentLength > max)
        {
            return Refuse(413, "body_too_large", $"The body is {contentLength} bytes; notifications are at most {max} bytes.");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(max + 1);
        try
        {
            var length = 0;
            int read;
            while (length <= max && (read = await body.ReadAsync(buffer.AsMemory(length, max + 1 - length), cancellationToken)) > 0)
            {
                length += read;
            }

            if (length > max)
            {
                return Refuse(413, "body_too_large", $"The body is over {max} bytes; notifications are at most {max} bytes.");
            }

            var parsed = NotificationParser.Parse(buffer.AsSpan(0, length));
            if (!parsed.Ok)
            {
                return Refuse(400, parsed.Error!, parsed.Reason!);
            }

            return await EnqueueAsync(parsed.Notification!, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<ApiResponse> EnqueueAsync(MeliNotification notification, CancellationToken cancellationToken)
    {
        if (notification.ApplicationId != _appId)
        {
            return Refuse(403, "wrong_application", $"application_id {notification.ApplicationId} is not this app's; this endpoint takes notifications for app {_appId} only.");
        }

        if (!NotificationTopics.IsActionable(notification.Topic))
        {
            metrics.NotificationIgnored(notification.Topic, "topic_not_handled");
            logger.LogInformation("Notification on topic {Topic} for seller {SellerId} acknowledged and not acted on", notification.Topic, notification.UserId);
            return ApiResponse.Json(200, new JsonObject { ["status"] = "ignored", ["reason"] = $"topic '{notification.Topic}' is not one this app acts on" });
        }

        var message = new NotificationMessage
        {
            SellerId = notification.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Resource = notification.Resource,
            Topic = notification.Topic,
            NotificationId = notification.Id,
            ApplicationId = notification.ApplicationId,
            Attempts = notification.Attempts,
            Sent = notification.Sent,
            Received = time.GetUtcNow(),
            TraceParent = Activity.Current?.Id,
        };

        try
        {
            await _queue.SendMessageAsync(message.ToJson(), cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The caller hung up: nobody reads this answer, and Mercado Libre retries what it did not get a 200 for.
            logger.LogDebug("Caller went away while {Resource} for seller {SellerId} was being queued", notification.Resource, notification.UserId);
            return ApiResponse.Error(499, "client_closed", "The caller closed the request.");
        }
        catch (Exception ex)
        {
            metrics.NotificationRefused("enqueue_failed");
            logger.LogError(ex, "Could not enqueue the notification {Resource} for seller {SellerId}; answering 503 so Mercado Libre retries", notification.Resource, notification.UserId);
            return ApiResponse.Error(503, "enqueue_failed", "The notification could not be queued; retry later.");
        }

        metrics.NotificationAccepted(notification.Topic);
        logger.LogInformation("Notification {Topic} {Resource} for seller {SellerId} queued", notification.Topic, notification.Resource, notification.UserId);
        return ApiResponse.Json(200, new JsonObject { ["status"] = "queued" });
    }

    /// <summary>The given secret is the current or the previous one (compared in constant time, both always).</summary>
    private bool SecretMatches(string? given)
    {
        if (given is null)
        {
            return false;
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(given);
        var match = false;
        foreach (var secret in _secrets)
        {
            match |= System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(bytes, secret);
        }

        return match;
    }

    private ApiResponse Refuse(int status, string error, string reason)
    {
        metrics.NotificationRefused(error);
        logger.LogWarning("Notification refused ({Status} {Error}): {Reason}", status, error, reason);
        return ApiResponse.Error(status, error, reason);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) &&
        (string.Equals(parsed.MediaType, "application/json", StringComparison.OrdinalIgnoreCase) ||
         (parsed.MediaType?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) ?? false));
}
