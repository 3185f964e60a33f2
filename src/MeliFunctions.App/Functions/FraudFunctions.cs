using MeliFunctions.Durable.Fraud;
using MeliFunctions.Fraud;
using MeliFunctions.Http;
using MeliFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace MeliFunctions.App.Functions;

/// <summary>
/// The fraud stop and cancel flow on Durable Functions. The orchestration itself is
/// <see cref="FraudStopOrchestration"/> (MeliFunctions.Durable, free of Functions types so the
/// Durable Task engine runs it in tests too); these functions bind it, its starter and its
/// activities to the Functions host.
/// </summary>
public sealed class FraudFunctions(FraudCaseRunner runner, FraudCasesApi cases, IOptions<FraudOptions> options)
{
    /// <summary>Order sync opened or woke a case (Core's starter enqueued it): start the orchestration, or tell the running one.</summary>
    [Function("FraudFlowStart")]
    public async Task Start(
        [QueueTrigger(StorageNames.FraudStepsQueue, Connection = "AzureWebJobsStorage")] string message,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        await FraudFlowStart.StartOrWakeAsync(
            client,
            FraudMessage.TryParse(message) ?? throw new InvalidOperationException("Not a fraud-steps message: seller_id and order_id are required."),
            FraudStepRetry.From(options.Value),
            cancellationToken);

    [Function(FraudStopOrchestration.Name)]
    public static Task<string> RunFraudStopOrchestration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new FraudStopOrchestration().RunAsync(context, context.GetInput<FraudFlowInput>()!);

    [Function(FraudStopOrchestration.DecideActivity)]
    public async Task<FraudDecision> FraudDecide([ActivityTrigger] FraudFlowInput input, CancellationToken cancellationToken) =>
        // No case: nothing to drive (reported as finished).
        await runner.DecideAsync(input.SellerId, input.OrderId, cancellationToken) ?? new FraudDecision(FraudState.Dismissed);

    [Function(FraudStopOrchestration.RunStepActivity)]
    public async Task<string> FraudRunStep([ActivityTrigger] FraudStepInput input, CancellationToken cancellationToken) =>
        (await runner.RunStepAsync(input.SellerId, input.OrderId, input.Step, cancellationToken)) is { } c ? FraudNames.Of(c.State) : "no case";

    [Function(FraudStopOrchestration.GiveUpActivity)]
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
