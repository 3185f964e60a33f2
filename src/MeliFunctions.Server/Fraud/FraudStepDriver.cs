using MeliFunctions.Fraud;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Server.Fraud;

/// <summary>
/// The Server's driver of the fraud flow, over the <c>fraud-steps</c> queue: each message advances
/// one case by one step (claimed under the case's ETag) and sends the next message; a wait is a
/// message sent with a visibility delay (one per deadline, in whole seconds rounded up, since queue
/// delays are whole seconds); a timer that still wakes before its deadline (another instance's clock)
/// sends the next one, so a wait that is not over always leaves a timer. An order change sends a
/// wake message. A message is deleted only after its step is recorded, so a crash anywhere resumes
/// from the case.
/// A failed step's attempts, waits and give-up follow Core's <see cref="FraudStepRetry"/> (the
/// message's dequeue count is the attempt number), as the App's orchestrator does.
/// </summary>
public sealed class FraudStepDriver(
    FraudCaseRunner runner,
    StorageClients storage,
    PoisonQueue poison,
    IOptions<FraudOptions> options,
    TimeProvider time,
    ILogger<FraudStepDriver> logger)
{
    /// <summary>A timer message arrives this much after its deadline, so the deadline has passed on every clock.</summary>
    private static readonly TimeSpan TimerMargin = TimeSpan.FromMilliseconds(250);

    public async Task<WorkOutcome> ProcessAsync(string text, long dequeueCount, CancellationToken cancellationToken)
    {
        if (FraudMessage.TryParse(text) is not { } message)
        {
            var parked = WorkOutcome.Park("not a fraud-steps message (seller_id and order_id required)", "unreadable_message");
            await poison.ParkAsync(StorageNames.FraudStepsQueue, text, parked, dequeueCount, cancellationToken);
            return parked;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = message.SellerId, ["OrderId"] = message.OrderId });
        var decision = await runner.DecideAsync(message.SellerId, message.OrderId, cancellationToken);
        if (decision is null || decision.IsFinished)
        {
            return WorkOutcome.Completed(decision is null ? "no case" : $"case is {FraudNames.Of(decision.State)}");
        }

        if (decision.WaitUntil is { } until)
        {
            // The timer of this wait, early: it is the wait's only timer, so it sends the next one.
            var earlyTimer = message.Kind == FraudMessage.Timer && (message.Until is null || message.Until == until);
            if (earlyTimer || !await runner.WakeRecordedAsync(message.SellerId, message.OrderId, until, cancellationToken))
            {
                await SendAsync(new FraudMessage(message.SellerId, message.OrderId, FraudMessage.Timer) { Until = until }, TimerDelay(until - time.GetUtcNow()), cancellationToken);
                await runner.RecordWakeAsync(message.SellerId, message.OrderId, until, cancellationToken);
                logger.LogInformation("Fraud case of order {OrderId}: {State} until {Until}{Early}", message.OrderId, FraudNames.Of(decision.State), until, earlyTimer ? " (its timer woke early: sent again)" : "");
            }

            return WorkOutcome.Completed($"waiting until {until:O}");
        }

        var step = decision.Step!.Value;
        try
        {
            await runner.RunStepAsync(message.SellerId, message.OrderId, step, cancellationToken);
        }
        catch (FraudCaseBusyException busy)
        {
            var wait = busy.Until - time.GetUtcNow();
            return WorkOutcome.Retry(busy.Message, wait > TimeSpan.FromMilliseconds(200) ? wait : TimeSpan.FromMilliseconds(200));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (FraudStepRetry.From(options.Value).DelayAfter(dequeueCount) is { } delay)
            {
                return WorkOutcome.Retry($"{FraudNames.Of(step)}: {ex.Message}", delay);
            }

            logger.LogError("Fraud case of order {OrderId} of seller {SellerId}: {Step} failed {Attempts} times; manual_review", message.OrderId, message.SellerId, FraudNames.Of(step), dequeueCount);
            await runner.GiveUpAsync(message.SellerId, message.OrderId, step, $"failed {dequeueCount} times, last: {ex.Message}", cancellationToken);
        }

        await SendAsync(message with { Kind = FraudMessage.Step }, TimeSpan.Zero, cancellationToken);
        return WorkOutcome.Completed(FraudNames.Of(step));
    }

    /// <summary>
    /// A queue delay that is never shorter than <paramref name="remaining"/>: queue delays are whole
    /// seconds (a fraction is cut), so the time left plus the margin is rounded up to the next second.
    /// </summary>
    internal static TimeSpan TimerDelay(TimeSpan remaining) =>
        remaining <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Ceiling((remaining + TimerMargin).TotalSeconds));

    private async Task SendAsync(FraudMessage message, TimeSpan delay, CancellationToken cancellationToken) =>
        await storage.Queue(StorageNames.FraudStepsQueue).SendMessageAsync(message.ToJson(), delay, cancellationToken: cancellationToken);
}
