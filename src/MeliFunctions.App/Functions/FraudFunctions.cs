using MeliFunctions.Fraud;
using MeliFunctions.Http;
using MeliFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace MeliFunctions.App.Functions;

public sealed record FraudFlowInput(string SellerId, long OrderId);

public sealed record FraudStepInput(string SellerId, long OrderId, FraudStep Step);

public sealed record FraudGiveUpInput(string SellerId, long OrderId, FraudStep Step, string Reason);

/// <summary>
/// The fraud stop and cancel flow on Durable Functions: one orchestration per order (instance id
/// <c>fraud-{sellerId}-{orderId}</c>) looping over Core's decision; the steps are activities with
/// retry; a wait is a durable timer raced against the <c>OrderChanged</c> event.
/// </summary>
public sealed class FraudFunctions(FraudCaseRunner runner, FraudCasesApi cases)
{
    public const string OrderChangedEvent = "OrderChanged";

    public static string InstanceId(string sellerId, long orderId) => $"fraud-{sellerId}-{orderId}";

    /// <summary>Order sync opened or woke a case (Core's starter enqueued it): start the orchestration, or tell the running one.</summary>
    [Function("FraudFlowStart")]
    public static async Task Start(
        [QueueTrigger(StorageNames.FraudStepsQueue, Connection = "AzureWebJobsStorage")] string message,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var m = FraudMessage.TryParse(message) ?? throw new InvalidOperationException("Not a fraud-steps message: seller_id and order_id are required.");
        var id = InstanceId(m.SellerId, m.OrderId);
        var instance = await client.GetInstanceAsync(id, false, cancellationToken);
        if (instance is { IsCompleted: false })
        {
            // Running, pending or suspended: the event wakes its wait (or waits for it, buffered).
            await client.RaiseEventAsync(id, OrderChangedEvent, m.Kind, cancellationToken);
            return;
        }

        // None yet, or a finished one (a dismissed case tagged again): a new run decides from the case.
        await client.ScheduleNewOrchestrationInstanceAsync(nameof(FraudStopOrchestration), new FraudFlowInput(m.SellerId, m.OrderId), new StartOrchestrationOptions(InstanceId: id), cancellationToken);
    }

    [Function(nameof(FraudStopOrchestration))]
    public static async Task<string> FraudStopOrchestration([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<FraudFlowInput>()!;
        var retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
            maxNumberOfAttempts: 8, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5)));
        for (var turn = 0; turn < 100; turn++)
        {
            var decision = await context.CallActivityAsync<FraudDecision>(nameof(FraudDecide), input, retry);
            if (decision.IsFinished)
            {
                return FraudNames.Of(decision.State);
            }

            if (decision.WaitUntil is { } until)
            {
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
                await context.CallActivityAsync<string>(nameof(FraudRunStep), new FraudStepInput(input.SellerId, input.OrderId, step), retry);
            }
            catch (TaskFailedException ex)
            {
                await context.CallActivityAsync<string>(nameof(FraudGiveUp), new FraudGiveUpInput(input.SellerId, input.OrderId, step, ex.FailureDetails.ErrorMessage), retry);
            }
        }

        // A long-lived case (many order changes): start afresh to keep the history short.
        context.ContinueAsNew(input);
        return "continued";
    }

    [Function(nameof(FraudDecide))]
    public async Task<FraudDecision> FraudDecide([ActivityTrigger] FraudFlowInput input, CancellationToken cancellationToken) =>
        // No case: nothing to drive (reported as finished).
        await runner.DecideAsync(input.SellerId, input.OrderId, cancellationToken) ?? new FraudDecision(FraudState.Dismissed);

    [Function(nameof(FraudRunStep))]
    public async Task<string> FraudRunStep([ActivityTrigger] FraudStepInput input, CancellationToken cancellationToken) =>
        (await runner.RunStepAsync(input.SellerId, input.OrderId, input.Step, cancellationToken)) is { } c ? FraudNames.Of(c.State) : "no case";

    [Function(nameof(FraudGiveUp))]
    public async Task<string> FraudGiveUp([ActivityTrigger] FraudGiveUpInput input, CancellationToken cancellationToken) =>
        (await runner.GiveUpAsync(input.SellerId, input.OrderId, input.Step, input.Reason, cancellationToken)) is { } c ? FraudNames.Of(c.State) : "no case";

    [Function("ListFraudCases")]
    public async Task<IActionResult> ListFraudCases(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "fraud-cases")] HttpRequest req, CancellationToken cancellationToken) =>
        (await cases.ListAsync(req.Query["seller"], cancellationToken)).ToResult();

    [Function("GetFraudCase")]
    public async Task<IActionResult> GetFraudCase(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "fraud-cases/{orderId}")] HttpRequest req, string orderId, CancellationToken cancellationToken) =>
        (await cases.GetAsync(orderId, cancellationToken)).ToResult();
}
