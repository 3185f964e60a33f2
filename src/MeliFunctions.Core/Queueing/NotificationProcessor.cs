using System.Diagnostics;
using MeliFunctions.Hosting;
using MeliFunctions.Notifications;
using MeliFunctions.Orders;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Queueing;

/// <summary>
/// Handles one message of the <c>meli-notifications</c> queue: the App's queue trigger and the
/// Server's pump both call this. It parks what cannot be done (with the reason) and what ran out
/// of attempts, and asks for a retry with a growing delay otherwise.
/// </summary>
public sealed class NotificationProcessor(
    OrderSync sync,
    PoisonQueue poison,
    IOptions<QueueTriggerSettings> settings,
    IOptions<RetryOptions> retry,
    ILogger<NotificationProcessor> logger)
{
    public async Task<WorkOutcome> ProcessAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        var message = NotificationMessage.TryParse(messageText);
        if (message is null)
        {
            return await ParkAsync(messageText, WorkOutcome.Park("the message is not a notification message (unreadable JSON or missing seller_id, resource or topic)", "unreadable_message"), dequeueCount, cancellationToken);
        }

        var max = settings.Value.MaxDequeueCount;
        if (dequeueCount > max)
        {
            return await ParkAsync(messageText, WorkOutcome.Park($"taken {dequeueCount} times without finishing (over maxDequeueCount {max})", "dequeue_limit"), dequeueCount, cancellationToken);
        }

        using var activity = StartActivity(message);
        var outcome = await sync.SyncAsync(message, cancellationToken);
        activity?.SetTag("meli.outcome", outcome.Result.ToString());
        switch (outcome.Result)
        {
            case WorkResult.Parked:
                return await ParkAsync(messageText, outcome, dequeueCount, cancellationToken);
            case WorkResult.Retry when dequeueCount >= max:
                return await ParkAsync(messageText, outcome with { Reason = $"gave up after {dequeueCount} attempts: {outcome.Reason}", Error = outcome.Error ?? "retries_exhausted" }, dequeueCount, cancellationToken);
            case WorkResult.Retry:
                var delay = outcome.RetryAfter > TimeSpan.Zero ? outcome.RetryAfter : retry.Value.Backoff(dequeueCount);
                logger.LogWarning("Retrying {Resource} for seller {SellerId} in {Delay} (attempt {Attempt} of {Max}): {Reason}",
                    message.Resource, message.SellerId, delay, dequeueCount, max, outcome.Reason);
                return outcome with { RetryAfter = delay };
            default:
                return outcome;
        }
    }

    private async Task<WorkOutcome> ParkAsync(string messageText, WorkOutcome outcome, long dequeueCount, CancellationToken cancellationToken)
    {
        await poison.ParkAsync(StorageNames.NotificationsQueue, messageText, outcome, dequeueCount, cancellationToken);
        return outcome with { Result = WorkResult.Parked };
    }

    private static Activity? StartActivity(NotificationMessage message)
    {
        ActivityContext.TryParse(message.TraceParent, null, out var parent);
        var activity = MeliMetrics.ActivitySource.StartActivity("order.sync", ActivityKind.Consumer, parent);
        activity?.SetTag("meli.seller_id", message.SellerId);
        activity?.SetTag("meli.resource", message.Resource);
        activity?.SetTag("meli.topic", message.Topic);
        return activity;
    }
}
