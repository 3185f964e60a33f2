using MeliFunctions.Durable.Fraud;
using Microsoft.DurableTask.Client;

namespace MeliFunctions.Durable.Tests;

public static class Probes
{
    public static Task EventuallyAsync(Func<Task<bool>> done, string what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(done, d => d, what, timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Until the orchestration of the order shows <paramref name="customStatus"/> (the case's state after its last decision).</summary>
    public static Task WaitForStatusAsync(DurableTaskClient client, string sellerId, long orderId, string customStatus) =>
        EventuallyAsync(
            async () => (await client.GetInstanceAsync(FraudStopOrchestration.InstanceId(sellerId, orderId), getInputsAndOutputs: true))?.SerializedCustomStatus == $"\"{customStatus}\"",
            $"the orchestration of {orderId} to show {customStatus}");

    public static async Task<OrchestrationMetadata> CompletionAsync(DurableTaskClient client, string sellerId, long orderId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await client.WaitForInstanceCompletionAsync(FraudStopOrchestration.InstanceId(sellerId, orderId), getInputsAndOutputs: true, cts.Token);
    }
}
