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
/// of attempts, and asks for a retry with a growing delay otherwise (<see cref="RetryOptions"/>).
/// The attempt number is the message's dequeue count plus the attempts earlier copies of it used
/// (<see cref="NotificationMessage.SyncAttempts"/>), so the limit is the same whichever way a host retries.
/// </summary>
public sealed class NotificationProcessor(
    OrderSync sync,
    PoisonQueue poison,
    StorageClients storage,
    IOptions<QueueTriggerSettings> settings,
    IOptions<RetryOptions> retry,
    ILogger<NotificationProcessor> logger)
{
    /// <summary>
    /// For a host that can delay the message it holds (the Server's pump): on
    /// <see cref="WorkResult.Retry"/> it makes the message visible again after <see cref="WorkOutcome.RetryAfter"/>.
    /// </summary>
    public async Task<WorkOutcome> ProcessAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        var message = NotificationMessage.TryParse(messageText);
        if (message is null)
        {
            return await ParkAsync(messageText, WorkOutcome.Park("the message is not a notification message (unreadable JSON or missing seller_id, resource or topic)", "unreadable_message"), dequeueCount, cancellationToken);
        }

        var attempt = Attempt(message, dequeueCount);
        var max = settings.Value.MaxDequeueCount;
        if (attempt > max)
        {
            return await ParkAsync(messageText, WorkOutcome.Park($"taken {attempt} times without finishing (over maxDequeueCount {max})", "dequeue_limit"), attempt, cancellationToken);
        }

        using var activity = StartActivity(message);
        var outcome = await sync.SyncAsync(message, cancellationToken);
        activity?.SetTag("meli.outcome", outcome.Result.ToString());
        switch (outcome.Result)
        {
            case WorkResult.Parked:
                return await ParkAsync(messageText, outcome, attempt, cancellationToken);
            case WorkResult.Retry when attempt >= max:
                return await ParkAsync(messageText, outcome with { Reason = $"gave up after {attempt} attempts: {outcome.Reason}", Error = outcome.Error ?? "retries_exhausted" }, attempt, cancellationToken);
            case WorkResult.Retry:
                var delay = outcome.RetryAfter > TimeSpan.Zero ? outcome.RetryAfter : retry.Value.Backoff(attempt);
                logger.LogWarning("Retrying {Resource} for seller {SellerId} in {Delay} (attempt {Attempt} of {Max}): {Reason}",
                    message.Resource, message.SellerId, delay, attempt, max, outcome.Reason);
                return outcome with { RetryAfter = delay };
            default:
                return outcome;
        }
    }

    /// <summary>
    /// For a host that cannot delay the message it was handed (the Functions queue trigger, whose
    /// only retry is host.json's fixed <c>visibilityTimeout</c>): a retry is a new copy of the
    /// message, sent to <c>meli-notifications</c> due after the growing delay and carrying the
    /// attempts used so far; the host then deletes the original as done. Sent before the original
    /// is deleted, so a crash in between duplicates the message, never loses it (the order sync is
    /// idempotent).
    /// </summary>
    public async Task<WorkOutcome> ProcessAndResendRetryAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        var outcome = await ProcessAsync(messageText, dequeueCount, cancellationToken);
        if (outcome.Result != WorkResult.Retry)
        {
            return outcome;
        }

        var attempt = Attempt(NotificationMessage.TryParse(messageText)!, dequeueCount);
        await storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync(
            NotificationMessage.WithSyncAttempts(messageText, attempt), visibilityTimeout: outcome.RetryAfter, cancellationToken: cancellationToken);
        return outcome;
    }

    private static long Attempt(NotificationMessage message, long dequeueCount) => Math.Max(0, message.SyncAttempts) + dequeueCount;

    /// <summary>Parks the message as it first came (without our attempt count), so a requeue from poison starts afresh.</summary>
    private async Task<WorkOutcome> ParkAsync(string messageText, WorkOutcome outcome, long attempts, CancellationToken cancellationToken)
    {
        var original = NotificationMessage.TryParse(messageText) is { SyncAttempts: > 0 } ? NotificationMessage.WithSyncAttempts(messageText, 0) : messageText;
        await poison.ParkAsync(StorageNames.NotificationsQueue, original, outcome, attempts, cancellationToken);
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
