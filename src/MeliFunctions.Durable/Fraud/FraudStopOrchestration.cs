using MeliFunctions.Fraud;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Durable.Fraud;

/// <summary>
/// What the orchestration is started with: the case, the retry rule of its steps (the starter reads
/// it from <see cref="FraudOptions"/>, as an orchestrator cannot use DI), how many turns a history
/// may hold before it starts afresh, and how many times it already did.
/// </summary>
public sealed record FraudFlowInput(string SellerId, long OrderId, FraudStepRetry? Retry = null, int TurnLimit = FraudStopOrchestration.DefaultTurnLimit, int Generation = 0);

public sealed record FraudStepInput(string SellerId, long OrderId, FraudStep Step);

public sealed record FraudGiveUpInput(string SellerId, long OrderId, FraudStep Step, string Reason);

/// <summary>
/// The fraud stop and cancel flow on the Durable Task engine: one orchestration per order (instance
/// id <c>fraud-{sellerId}-{orderId}</c>) looping over Core's decision. Each turn asks
/// <see cref="DecideActivity"/> for the next move; a step runs as <see cref="RunStepActivity"/> with
/// the retry rule of <see cref="FraudStepRetry"/>, and once its attempts are spent
/// <see cref="GiveUpActivity"/> records it as failed (the case goes to <c>manual_review</c>); a wait
/// is a durable timer raced against the <see cref="OrderChangedEvent"/> event. After
/// <see cref="FraudFlowInput.TurnLimit"/> turns it continues as new, so the history stays short.
/// The Functions App runs it from its <c>FraudStopOrchestration</c> function; the activities are the
/// App's functions of the same names, each one call into <see cref="FraudCaseRunner"/>.
/// </summary>
public sealed class FraudStopOrchestration : TaskOrchestrator<FraudFlowInput, string>
{
    public const string Name = "FraudStopOrchestration";
    public const string DecideActivity = "FraudDecide";
    public const string RunStepActivity = "FraudRunStep";
    public const string GiveUpActivity = "FraudGiveUp";
    public const string OrderChangedEvent = "OrderChanged";
    public const int DefaultTurnLimit = 100;

    /// <summary>What the orchestration returns when it continued as new (the final run returns the case's state).</summary>
    public const string Continued = "continued";

    public static string InstanceId(string sellerId, long orderId) => $"fraud-{sellerId}-{orderId}";

    /// <summary>The engine's retry policy for the rule: the same figures, the same waits.</summary>
    public static RetryPolicy PolicyFor(FraudStepRetry retry) => new(
        maxNumberOfAttempts: retry.MaxAttempts,
        firstRetryInterval: retry.FirstRetryInterval,
        backoffCoefficient: retry.BackoffCoefficient,
        maxRetryInterval: retry.MaxRetryInterval);

    public override async Task<string> RunAsync(TaskOrchestrationContext context, FraudFlowInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var logger = context.CreateReplaySafeLogger<FraudStopOrchestration>();
        var retry = TaskOptions.FromRetryPolicy(PolicyFor(input.Retry ?? FraudStepRetry.Default));
        var turns = Math.Max(1, input.TurnLimit);
        for (var turn = 0; turn < turns; turn++)
        {
            var decision = await context.CallActivityAsync<FraudDecision>(DecideActivity, input, retry);
            context.SetCustomStatus(FraudNames.Of(decision.State));
            if (decision.IsFinished)
            {
                return FraudNames.Of(decision.State);
            }

            if (decision.WaitUntil is { } until)
            {
                // Until the deadline, or sooner if the order changes (an event raised before this wait is kept for it).
                using var cts = new CancellationTokenSource();
                var timer = context.CreateTimer(until.UtcDateTime, cts.Token);
                var changed = context.WaitForExternalEvent<string>(OrderChangedEvent, cts.Token);
                await Task.WhenAny(timer, changed);
                cts.Cancel();
                continue;
            }

            var step = decision.Step!.Value;
            try
            {
                await context.CallActivityAsync<string>(RunStepActivity, new FraudStepInput(input.SellerId, input.OrderId, step), retry);
            }
            catch (TaskFailedException ex)
            {
                await context.CallActivityAsync<string>(GiveUpActivity, new FraudGiveUpInput(input.SellerId, input.OrderId, step, ex.FailureDetails.ErrorMessage), retry);
            }
        }

        // A long-lived case (many order changes): start afresh to keep the history short. Events
        // not yet handled are carried over to the new run.
        logger.LogInformation("Fraud case of order {OrderId} of seller {SellerId}: {Turns} turns; continuing as new (generation {Generation})",
            input.OrderId, input.SellerId, turns, input.Generation + 1);
        context.ContinueAsNew(input with { Generation = input.Generation + 1 });
        return Continued;
    }
}
