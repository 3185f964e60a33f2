using MeliFunctions.Durable.Fraud;
using MeliFunctions.Fraud;
using Microsoft.DurableTask.Client;

namespace MeliFunctions.Durable.Tests;

/// <summary>
/// A worker that stops while the orchestration waits, and a new worker (a host of its own) on the
/// same backend: the orchestration resumes from its history. Activities as in
/// <see cref="FraudStopOrchestrationTests"/>, recording which worker ran them.
/// </summary>
public sealed class FraudOrchestrationRestartTests
{
    private const string Seller = "240006682";

    [Fact]
    public async Task After_a_worker_restart_mid_wait_the_case_resumes_from_history_without_running_a_completed_step_again()
    {
        const long order = 2000005000005301;
        var cases = new InMemoryFraudCases(new FraudOptions { MeliCancelWait = TimeSpan.Zero, CancelConfirmWait = TimeSpan.FromHours(1) });
        cases.Open(Seller, order, shipment: null);
        var (host, port) = await DurableHost.StartAsync(cases);
        await using var _ = host;
        var message = new FraudMessage(Seller, order, FraudMessage.Wake);
        await FraudFlowStart.StartOrWakeAsync(host.Client, message, FraudStepRetry.Default, CancellationToken.None);
        await Probes.WaitForStatusAsync(host.Client, Seller, order, "awaiting_cancelled");

        await DurableHost.StopWorkerAsync(host);
        var before = cases.Calls.Count;
        cases.OrderNow(Seller, order, new FraudFacts("cancelled", FraudTagged: true));
        Assert.Equal(FraudFlowStartResult.Woken, await FraudFlowStart.StartOrWakeAsync(host.Client, message, FraudStepRetry.Default, CancellationToken.None));
        // No worker: nothing can take the event, it waits in the backend; the case is where the first worker left it.
        Assert.Equal(before, cases.Calls.Count);
        var waiting = await host.Client.GetInstanceAsync(FraudStopOrchestration.InstanceId(Seller, order), getInputsAndOutputs: true);
        Assert.Equal((OrchestrationRuntimeStatus.Running, "\"awaiting_cancelled\""), (waiting!.RuntimeStatus, waiting.SerializedCustomStatus));

        using var second = await DurableHost.StartWorkerAsync(port, cases, "second worker");
        var done = await Probes.CompletionAsync(host.Client, Seller, order);
        await second.StopAsync();

        Assert.Equal("cancelled", done.ReadOutputAs<string>());
        var calls = cases.Calls.ToList();
        Assert.Equal(["decide", "run:inspect_shipment", "decide", "run:cancel", "decide"], calls.Take(before).Select(c => c.Call));
        Assert.All(calls.Take(before), c => Assert.Equal("first worker", c.Worker));
        // The new worker replayed the first three turns from history and ran only what was left.
        Assert.Equal(["decide", "run:restore_stock", "decide", "run:add_note", "decide"], calls.Skip(before).Select(c => c.Call));
        Assert.All(calls.Skip(before), c => Assert.Equal("second worker", c.Worker));
        Assert.Equal(FraudState.Cancelled, cases.Case(Seller, order).State);
    }
}
