using MeliFunctions.Orders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Fraud;

/// <summary>Another worker holds the case for a step until <see cref="Until"/>: try again then.</summary>
public sealed class FraudCaseBusyException(DateTimeOffset until)
    : Exception($"The fraud case is held by another worker until {until:O}.")
{
    public DateTimeOffset Until { get; } = until;
}

/// <summary>
/// What both drivers call: <see cref="DecideAsync"/> reads the case and the stored order and asks
/// <see cref="FraudFlow.Decide"/>; <see cref="RunStepAsync"/> claims the case for the step under its
/// ETag (with a lease), runs it, and records the result under the ETag again. A step that is no
/// longer the next one (a duplicate message, a replayed activity) does nothing.
/// </summary>
public sealed class FraudCaseRunner(
    FraudCaseStore cases,
    OrderStore orders,
    FraudSteps steps,
    IOptions<FraudOptions> options,
    TimeProvider time,
    ILogger<FraudCaseRunner> logger)
{
    /// <summary>The next move for the order's case; null when there is no case.</summary>
    public async Task<FraudDecision?> DecideAsync(string sellerId, long orderId, CancellationToken cancellationToken)
    {
        var c = await cases.GetAsync(sellerId, orderId, cancellationToken);
        return c is null ? null : FraudFlow.Decide(c, await FactsAsync(c, cancellationToken), time.GetUtcNow(), options.Value);
    }

    /// <summary>Runs <paramref name="step"/> if it is still the case's next step. Transient failures are thrown.</summary>
    public async Task<FraudCase?> RunStepAsync(string sellerId, long orderId, FraudStep step, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = sellerId, ["OrderId"] = orderId });
        for (var attempt = 0; ; attempt++)
        {
            var c = await cases.GetAsync(sellerId, orderId, cancellationToken);
            if (c is null || c.IsFinal)
            {
                return c;
            }

            var now = time.GetUtcNow();
            if (c.InProgress is not null && c.LeaseUntil > now)
            {
                throw new FraudCaseBusyException(c.LeaseUntil.Value);
            }

            var decision = FraudFlow.Decide(c, await FactsAsync(c, cancellationToken), now, options.Value);
            if (decision.Step != step)
            {
                logger.LogDebug("Fraud case of order {OrderId}: {Step} is no longer the next step (state {State}); nothing done", orderId, FraudNames.Of(step), FraudNames.Of(c.State));
                return c;
            }

            var claimed = await cases.TryUpdateAsync(FraudFlow.Begin(c, step, now, options.Value), cancellationToken);
            if (claimed is null)
            {
                if (attempt >= 10)
                {
                    throw new FraudCaseBusyException(now);
                }

                continue; // someone wrote first: read again and decide again
            }

            FraudStepResult result;
            try
            {
                result = await steps.RunAsync(claimed, step, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Fraud case of order {OrderId} of seller {SellerId}: {Step} failed for now ({Error}); it will be retried",
                    orderId, sellerId, FraudNames.Of(step), ex.Message);
                await cases.TryUpdateAsync(claimed with { InProgress = null, LeaseUntil = null }, CancellationToken.None);
                throw;
            }

            return await RecordAsync(claimed, step, result, cancellationToken);
        }
    }

    /// <summary>The step's attempts ran out: record it as failed (the case goes to manual_review).</summary>
    public async Task<FraudCase?> GiveUpAsync(string sellerId, long orderId, FraudStep step, string reason, CancellationToken cancellationToken)
    {
        var c = await cases.GetAsync(sellerId, orderId, cancellationToken);
        return c is null || c.IsFinal ? c : await RecordAsync(c, step, FraudStepResult.Failed(reason), cancellationToken);
    }

    /// <summary>
    /// For drivers that wake a case with a delayed message: true if a wake-up for <paramref name="until"/>
    /// is already recorded (<see cref="RecordWakeAsync"/>), so no other message is needed.
    /// </summary>
    public async Task<bool> WakeRecordedAsync(string sellerId, long orderId, DateTimeOffset until, CancellationToken cancellationToken) =>
        await cases.GetAsync(sellerId, orderId, cancellationToken) is not { IsFinal: false } c || c.WakeAt == until;

    /// <summary>
    /// Records that a wake-up for <paramref name="until"/> was sent. Record after sending: a crash
    /// in between costs a spare wake-up, never a lost one.
    /// </summary>
    public async Task RecordWakeAsync(string sellerId, long orderId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var c = await cases.GetAsync(sellerId, orderId, cancellationToken);
            if (c is null || c.IsFinal || c.WakeAt == until || await cases.TryUpdateAsync(c with { WakeAt = until }, cancellationToken) is not null)
            {
                return;
            }
        }
    }

    private async Task<FraudCase> RecordAsync(FraudCase claimed, FraudStep step, FraudStepResult result, CancellationToken cancellationToken)
    {
        var current = claimed;
        for (var attempt = 0; ; attempt++)
        {
            var next = FraudFlow.Apply(current, step, result, time.GetUtcNow(), options.Value);
            if (await cases.TryUpdateAsync(next, cancellationToken) is { } saved)
            {
                logger.LogInformation("Fraud case of order {OrderId} of seller {SellerId}: {Step} -> {State} ({Result})",
                    saved.OrderId, saved.SellerId, FraudNames.Of(step), FraudNames.Of(saved.State), result.Description);
                return saved;
            }

            // Written meanwhile (a wake-up recorded): still ours while it shows our claim.
            var reread = await cases.GetAsync(claimed.SellerId, claimed.OrderId, cancellationToken);
            if (reread is null || reread.InProgress != step || reread.LeaseUntil != claimed.LeaseUntil || attempt >= 10)
            {
                logger.LogWarning("Fraud case of order {OrderId}: lost the claim on {Step} before recording '{Result}'; the step runs again (it is idempotent)",
                    claimed.OrderId, FraudNames.Of(step), result.Description);
                return reread ?? claimed;
            }

            current = reread;
        }
    }

    private async Task<FraudFacts> FactsAsync(FraudCase c, CancellationToken cancellationToken)
    {
        var stored = await orders.GetAsync(c.SellerId, c.OrderId, cancellationToken);
        // No stored order (should not happen: the case is opened from a stored change): assume still tagged, not cancelled.
        return stored is null ? new FraudFacts(null, FraudTagged: true) : FraudFacts.FromOrder(stored.Order);
    }
}
