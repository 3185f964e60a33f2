using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;

namespace MeliFunctions.Server.Queues;

/// <summary>
/// Runs a queue handler with the Functions queue trigger's semantics: messages taken in batches
/// under a visibility lease, processed concurrently, deleted when done, made visible again after a
/// delay when the handler asks for a retry, parked in <c>&lt;queue&gt;-poison</c> after
/// <c>maxDequeueCount</c> (host.json). The lease is short (60 s) and renewed while the work goes
/// on, so a message held by a Server that dies is back on the queue within 2 minutes.
/// </summary>
public sealed class QueuePump(
    string queueName,
    StorageClients storage,
    Func<string, long, CancellationToken, Task<WorkOutcome>> handler,
    QueueTriggerSettings settings,
    PoisonQueue poison,
    ILogger<QueuePump> logger) : BackgroundService
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The queue this pump reads.</summary>
    public string QueueName => queueName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = storage.Queue(queueName);
        var inFlight = new List<Task>();
        var idle = MinPollingInterval;
        var batchSize = Math.Clamp(settings.BatchSize, 1, 32);
        var threshold = Math.Max(settings.NewBatchThreshold, 0);
        logger.LogInformation("Queue pump on {Queue}: batch {BatchSize}, new batch at {Threshold}, maxDequeueCount {Max}", queueName, batchSize, threshold, settings.MaxDequeueCount);

        while (!stoppingToken.IsCancellationRequested)
        {
            inFlight.RemoveAll(t => t.IsCompleted);
            if (inFlight.Count > threshold)
            {
                await Task.WhenAny(inFlight);
                continue;
            }

            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(batchSize, Lease, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not read {Queue}; trying again in {Delay}", queueName, settings.MaxPollingInterval);
                await Delay(settings.MaxPollingInterval, stoppingToken);
                continue;
            }

            if (messages.Length == 0)
            {
                await Delay(idle, stoppingToken);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks));
                continue;
            }

            idle = MinPollingInterval;
            inFlight.AddRange(messages.Select(m => ProcessAsync(queue, m, stoppingToken)));
        }

        await Task.WhenAll(inFlight);
    }

    private async Task ProcessAsync(QueueClient queue, QueueMessage message, CancellationToken stoppingToken)
    {
        var receipt = message.PopReceipt;
        using var renewal = new CancellationTokenSource();
        var renewing = RenewLeaseAsync(queue, message.MessageId, () => receipt, r => receipt = r, renewal.Token);
        WorkOutcome outcome;
        try
        {
            outcome = await handler(message.MessageText, message.DequeueCount, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await StopRenewingAsync(renewal, renewing);
            await SetVisibleAfterAsync(queue, message.MessageId, receipt, TimeSpan.Zero);
            return;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Handler failed on message {MessageId} of {Queue} (attempt {Attempt})", message.MessageId, queueName, message.DequeueCount);
            outcome = WorkOutcome.Retry($"{ex.GetType().Name}: {ex.Message}", settings.VisibilityTimeout);
            if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                outcome = WorkOutcome.Park($"failed {message.DequeueCount} times: {ex.GetType().Name}: {ex.Message}", "handler_failed");
                await poison.ParkAsync(queueName, message.MessageText, outcome, message.DequeueCount, CancellationToken.None);
            }
        }

        await StopRenewingAsync(renewal, renewing);
        try
        {
            if (outcome.Result == WorkResult.Retry)
            {
                await SetVisibleAfterAsync(queue, message.MessageId, receipt, outcome.RetryAfter);
            }
            else
            {
                await queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 400)
        {
            // The lease was lost (renewal failed): the message is visible again and will be redone; the work is idempotent.
            logger.LogWarning("Lost the lease on message {MessageId} of {Queue}; it will be processed again", message.MessageId, queueName);
        }
    }

    private async Task RenewLeaseAsync(QueueClient queue, string messageId, Func<string> receipt, Action<string> setReceipt, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Lease / 3, cancellationToken);
                var updated = await queue.UpdateMessageAsync(messageId, receipt(), visibilityTimeout: Lease, cancellationToken: cancellationToken);
                setReceipt(updated.Value.PopReceipt);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException ex)
        {
            logger.LogWarning("Could not renew the lease on message {MessageId}: {Status}", messageId, ex.Status);
        }
    }

    private static async Task StopRenewingAsync(CancellationTokenSource renewal, Task renewing)
    {
        await renewal.CancelAsync();
        await renewing;
    }

    private async Task SetVisibleAfterAsync(QueueClient queue, string messageId, string receipt, TimeSpan delay)
    {
        try
        {
            await queue.UpdateMessageAsync(messageId, receipt, visibilityTimeout: delay, cancellationToken: CancellationToken.None);
        }
        catch (RequestFailedException ex)
        {
            logger.LogWarning("Could not reschedule message {MessageId}: {Status}; its lease expires by itself", messageId, ex.Status);
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
