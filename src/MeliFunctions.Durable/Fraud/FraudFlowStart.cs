using MeliFunctions.Fraud;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace MeliFunctions.Durable.Fraud;

public enum FraudFlowStartResult
{
    /// <summary>A new orchestration was scheduled for the order.</summary>
    Started,

    /// <summary>The order's orchestration was live: it got the <c>OrderChanged</c> event.</summary>
    Woken,
}

/// <summary>
/// What the App does with a <c>fraud-steps</c> message: start the order's orchestration, or tell
/// the one that runs. One instance per order, however many messages arrive: the instance id comes
/// from the order, a live instance gets an event (buffered until its wait, if it is busy), and a
/// finished one (a dismissed case tagged again) is replaced by a new run that decides from the case.
/// </summary>
public static class FraudFlowStart
{
    private static readonly OrchestrationRuntimeStatus[] LiveStatuses =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    public static async Task<FraudFlowStartResult> StartOrWakeAsync(
        DurableTaskClient client, FraudMessage message, FraudStepRetry retry, CancellationToken cancellationToken, int turnLimit = FraudStopOrchestration.DefaultTurnLimit)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(message);
        var id = FraudStopOrchestration.InstanceId(message.SellerId, message.OrderId);
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken);
        if (instance is { IsCompleted: false })
        {
            // Running, pending or suspended: the event wakes its wait (or waits for it, buffered).
            await client.RaiseEventAsync(id, FraudStopOrchestration.OrderChangedEvent, message.Kind, cancellationToken);
            return FraudFlowStartResult.Woken;
        }

        try
        {
            // Refused while an instance of that id is live, so two starters racing cannot replace a running case.
            await client.ScheduleNewOrchestrationInstanceAsync(
                FraudStopOrchestration.Name,
                new FraudFlowInput(message.SellerId, message.OrderId, retry, turnLimit),
                new StartOrchestrationOptions(InstanceId: id).WithDedupeStatuses(LiveStatuses),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Another starter scheduled it between our read and our write: it is live now, so tell it instead.
            if (await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken) is not { IsCompleted: false })
            {
                throw;
            }

            await client.RaiseEventAsync(id, FraudStopOrchestration.OrderChangedEvent, message.Kind, cancellationToken);
            return FraudFlowStartResult.Woken;
        }

        return FraudFlowStartResult.Started;
    }
}
