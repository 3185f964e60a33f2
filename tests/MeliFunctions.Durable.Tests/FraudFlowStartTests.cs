using MeliFunctions.Durable.Fraud;
using MeliFunctions.Fraud;
using Microsoft.DurableTask.Client;

namespace MeliFunctions.Durable.Tests;

/// <summary>
/// The App's <c>FraudFlowStart</c> (<see cref="FraudFlowStart.StartOrWakeAsync"/>) with the test
/// host's real <see cref="DurableTaskClient"/>: one orchestration per order, however many
/// <c>fraud-steps</c> messages arrive. Activities as in <see cref="FraudStopOrchestrationTests"/>.
/// </summary>
public sealed class FraudFlowStartTests
{
    private const string Seller = "240006681";

    [Fact]
    public async Task A_second_start_message_for_a_live_case_wakes_it_instead_of_starting_another()
    {
        const long order = 2000005000005201;
        var (cases, release) = HeldAtFirstDecision(order);
        var (host, _) = await DurableHost.StartAsync(cases);
        await using var _ = host;
        var message = new FraudMessage(Seller, order, FraudMessage.Wake);

        var first = await FraudFlowStart.StartOrWakeAsync(host.Client, message, FraudStepRetry.Default, CancellationToken.None, turnLimit: 50);
        var second = await FraudFlowStart.StartOrWakeAsync(host.Client, message, FraudStepRetry.Default, CancellationToken.None, turnLimit: 7);
        release.SetResult();

        Assert.Equal(FraudFlowStartResult.Started, first);
        Assert.Equal(FraudFlowStartResult.Woken, second);
        await AssertOneRunToTheEndAsync(host.Client, cases, order, expectedTurnLimit: 50);
    }

    [Fact]
    public async Task Two_start_messages_at_once_give_one_orchestration()
    {
        const long order = 2000005000005202;
        var (cases, release) = HeldAtFirstDecision(order);
        var (host, _) = await DurableHost.StartAsync(cases);
        await using var _ = host;
        var message = new FraudMessage(Seller, order, FraudMessage.Wake);

        var results = await Task.WhenAll(
            FraudFlowStart.StartOrWakeAsync(host.Client, message, FraudStepRetry.Default, CancellationToken.None, turnLimit: 50),
            FraudFlowStart.StartOrWakeAsync(host.Client, message, FraudStepRetry.Default, CancellationToken.None, turnLimit: 50));
        release.SetResult();

        Assert.Equal([FraudFlowStartResult.Started, FraudFlowStartResult.Woken], results.Order());
        await AssertOneRunToTheEndAsync(host.Client, cases, order, expectedTurnLimit: 50);
    }

    [Fact]
    public async Task A_start_message_for_a_finished_case_starts_a_new_run_under_the_same_id()
    {
        const long order = 2000005000005203;
        var cases = new InMemoryFraudCases(new FraudOptions());
        cases.Open(Seller, order, shipment: null);
        cases.OrderNow(Seller, order, new FraudFacts("paid", FraudTagged: false)); // the tag cleared before anything: dismissed
        var (host, _) = await DurableHost.StartAsync(cases);
        await using var _ = host;
        var message = new FraudMessage(Seller, order, FraudMessage.Wake);
        await FraudFlowStart.StartOrWakeAsync(host.Client, message, FraudStepRetry.Default, CancellationToken.None);
        Assert.Equal("dismissed", (await Probes.CompletionAsync(host.Client, Seller, order)).ReadOutputAs<string>());

        // Tagged again: the order sync reopens the case and sends a message; the old run is over.
        cases.Reopen(Seller, order, new FraudFacts("paid", FraudTagged: false));
        var again = await FraudFlowStart.StartOrWakeAsync(host.Client, message, FraudStepRetry.Default, CancellationToken.None);
        await Probes.EventuallyAsync(() => Task.FromResult(cases.Count("run:release_hold") == 2), "the second run to release the hold");
        var done = await Probes.CompletionAsync(host.Client, Seller, order);

        Assert.Equal(FraudFlowStartResult.Started, again);
        Assert.Equal("dismissed", done.ReadOutputAs<string>());
        Assert.Equal(["decide", "run:release_hold", "decide", "decide", "run:release_hold", "decide"], cases.CallNames());
    }

    /// <summary>A case whose first decision is held in its activity until the test releases it, so the instance is live meanwhile.</summary>
    private static (InMemoryFraudCases Cases, TaskCompletionSource Release) HeldAtFirstDecision(long order)
    {
        var cases = new InMemoryFraudCases(new FraudOptions { MeliCancelWait = TimeSpan.Zero, CancelConfirmWait = TimeSpan.FromHours(1) });
        cases.Open(Seller, order, shipment: null);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = 0;
        cases.BeforeDecisionReturns = async _ =>
        {
            if (Interlocked.Exchange(ref first, 1) == 0)
            {
                await release.Task;
            }
        };
        return (cases, release);
    }

    /// <summary>
    /// The one run goes on with its own input and runs each step once: a second start that replaced
    /// it would begin again from the first decision and inspect the shipment twice.
    /// </summary>
    private static async Task AssertOneRunToTheEndAsync(DurableTaskClient client, InMemoryFraudCases cases, long order, int expectedTurnLimit)
    {
        await Probes.WaitForStatusAsync(client, Seller, order, "awaiting_cancelled");
        var instances = new List<OrchestrationMetadata>();
        await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = FraudStopOrchestration.InstanceId(Seller, order), FetchInputsAndOutputs = true }))
        {
            instances.Add(instance);
        }

        var live = Assert.Single(instances);
        Assert.Equal(expectedTurnLimit, live.ReadInputAs<FraudFlowInput>()!.TurnLimit);

        cases.OrderNow(Seller, order, new FraudFacts("cancelled", FraudTagged: true));
        await FraudFlowStart.StartOrWakeAsync(client, new FraudMessage(Seller, order, FraudMessage.Wake), FraudStepRetry.Default, CancellationToken.None);
        Assert.Equal("cancelled", (await Probes.CompletionAsync(client, Seller, order)).ReadOutputAs<string>());
        Assert.Equal(["run:inspect_shipment", "run:cancel", "run:restore_stock", "run:add_note"], cases.CallNames().Where(c => c.StartsWith("run:", StringComparison.Ordinal)));
    }
}
