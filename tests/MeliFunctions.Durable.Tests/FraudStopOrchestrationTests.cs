using MeliFunctions.Durable.Fraud;
using MeliFunctions.Fraud;
using Microsoft.DurableTask.Client;

namespace MeliFunctions.Durable.Tests;

/// <summary>
/// The App's fraud orchestration (<see cref="FraudStopOrchestration"/>) under the real Durable Task
/// engine, in-process. The activities are registered under the App's names and run Core's pure
/// decisions (<see cref="FraudFlow"/>) over in-memory cases (<see cref="InMemoryFraudCases"/>), not
/// <see cref="FraudCaseRunner"/> against Azurite and the sandbox: what is tested here is what the
/// engine does with the decisions (turns, ContinueAsNew, timers raced against events, retries); the
/// decisions are tested on their own (FraudFlowTests) and the runner end to end on the Server.
/// </summary>
public sealed class FraudStopOrchestrationTests
{
    private const string Seller = "240006680";

    [Fact]
    public async Task A_long_case_continues_as_new_every_few_turns_and_ends_cancelled_with_each_step_run_once()
    {
        const long order = 2000005000005101;
        var cases = new InMemoryFraudCases(new FraudOptions { MeliCancelWait = TimeSpan.Zero, CancelConfirmWait = TimeSpan.FromHours(1), BlacklistBuyer = true });
        cases.Open(Seller, order, shipment: null); // no shipment: we cancel at once
        var (host, _) = await DurableHost.StartAsync(cases);
        await using var _ = host;

        Assert.Equal(FraudFlowStartResult.Started,
            await FraudFlowStart.StartOrWakeAsync(host.Client, new FraudMessage(Seller, order, FraudMessage.Wake), FraudStepRetry.Default, CancellationToken.None, turnLimit: 2));
        await Probes.WaitForStatusAsync(host.Client, Seller, order, "awaiting_cancelled");
        cases.OrderNow(Seller, order, new FraudFacts("cancelled", FraudTagged: true)); // MeLi cancelled it after our feedback
        Assert.Equal(FraudFlowStartResult.Woken,
            await FraudFlowStart.StartOrWakeAsync(host.Client, new FraudMessage(Seller, order, FraudMessage.Wake), FraudStepRetry.Default, CancellationToken.None));
        var done = await Probes.CompletionAsync(host.Client, Seller, order);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("cancelled", done.ReadOutputAs<string>());
        Assert.Equal(FraudState.Cancelled, cases.Case(Seller, order).State);
        Assert.Equal(["hold", "inspect_shipment", "cancel", "restore_stock", "add_note", "blacklist_buyer"], cases.Case(Seller, order).Steps.Select(s => s.Step).Distinct());
        Assert.Equal(["run:inspect_shipment", "run:cancel", "run:restore_stock", "run:add_note", "run:blacklist_buyer"], cases.CallNames().Where(c => c.StartsWith("run:", StringComparison.Ordinal)));

        // Seven turns at two a history: four runs, each started afresh with the next generation's input.
        var decidesPerGeneration = cases.Calls.Where(c => c.Call == "decide").GroupBy(c => c.Generation!.Value).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()));
        Assert.Equal([(0, 2), (1, 2), (2, 2), (3, 1)], decidesPerGeneration);
        var last = done.ReadInputAs<FraudFlowInput>()!;
        Assert.Equal(3, last.Generation);
        Assert.Equal(2, last.TurnLimit);
        Assert.Equal(FraudStepRetry.Default, last.Retry);
    }

    [Fact]
    public async Task An_order_change_raised_before_the_orchestration_reaches_its_wait_ends_the_wait_at_once()
    {
        const long order = 2000005000005102;
        var cases = new InMemoryFraudCases(new FraudOptions { MeliCancelWait = TimeSpan.Zero, CancelConfirmWait = TimeSpan.FromHours(1) });
        cases.Open(Seller, order, shipment: null);
        var decidedToWait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        cases.BeforeDecisionReturns = async decision =>
        {
            // Hold the decision to wait (an hour) inside its activity: the orchestration is not waiting yet.
            if (decision.WaitUntil is not null && Interlocked.Exchange(ref held, 1) == 0)
            {
                decidedToWait.SetResult();
                await release.Task;
            }
        };
        var (host, _) = await DurableHost.StartAsync(cases);
        await using var _ = host;

        await FraudFlowStart.StartOrWakeAsync(host.Client, new FraudMessage(Seller, order, FraudMessage.Wake), FraudStepRetry.Default, CancellationToken.None);
        await decidedToWait.Task.WaitAsync(TimeSpan.FromSeconds(30));
        cases.OrderNow(Seller, order, new FraudFacts("cancelled", FraudTagged: true));
        var wake = await FraudFlowStart.StartOrWakeAsync(host.Client, new FraudMessage(Seller, order, FraudMessage.Wake), FraudStepRetry.Default, CancellationToken.None);
        release.SetResult();
        var done = await Probes.CompletionAsync(host.Client, Seller, order, TimeSpan.FromSeconds(30)); // not the hour of the timer

        Assert.Equal(FraudFlowStartResult.Woken, wake);
        Assert.Equal("cancelled", done.ReadOutputAs<string>());
        Assert.Equal(
            ["decide", "run:inspect_shipment", "decide", "run:cancel", "decide", "decide", "run:restore_stock", "decide", "run:add_note", "decide"],
            cases.CallNames());
    }

    [Fact]
    public async Task A_step_that_keeps_failing_is_tried_as_the_retry_rule_says_then_given_up_to_manual_review()
    {
        const long order = 2000005000005103;
        var cases = new InMemoryFraudCases(new FraudOptions())
        {
            Failure = step => step == FraudStep.Inspect ? new InvalidOperationException("GET /shipments answered 503 Service Unavailable") : null,
        };
        cases.Open(Seller, order, shipment: null);
        var rule = new FraudStepRetry(MaxAttempts: 3, FirstRetryInterval: TimeSpan.FromMilliseconds(300), BackoffCoefficient: 2, MaxRetryInterval: TimeSpan.FromSeconds(5));
        var (host, _) = await DurableHost.StartAsync(cases);
        await using var _ = host;

        await FraudFlowStart.StartOrWakeAsync(host.Client, new FraudMessage(Seller, order, FraudMessage.Wake), rule, CancellationToken.None);
        var done = await Probes.CompletionAsync(host.Client, Seller, order);

        Assert.Equal("manual_review", done.ReadOutputAs<string>());
        Assert.Equal(rule, done.ReadInputAs<FraudFlowInput>()!.Retry);
        Assert.Equal(["decide", "run:inspect_shipment", "run:inspect_shipment", "run:inspect_shipment", "give_up:inspect_shipment", "decide"], cases.CallNames());
        var attempts = cases.Calls.Where(c => c.Call == "run:inspect_shipment").Select(c => c.At).ToList();
        Assert.True(attempts[1] - attempts[0] >= rule.DelayAfter(1)!.Value - TimeSpan.FromMilliseconds(20), $"second attempt after {attempts[1] - attempts[0]}");
        Assert.True(attempts[2] - attempts[1] >= rule.DelayAfter(2)!.Value - TimeSpan.FromMilliseconds(20), $"third attempt after {attempts[2] - attempts[1]}");
        var fraudCase = cases.Case(Seller, order);
        Assert.Equal(FraudState.ManualReview, fraudCase.State);
        Assert.Contains("503 Service Unavailable", fraudCase.ManualAction);
    }

    [Fact]
    public void The_engine_policy_has_the_rules_figures()
    {
        var rule = FraudStepRetry.From(new FraudOptions { MaxStepAttempts = 4, FirstRetryInterval = TimeSpan.FromSeconds(2), BackoffCoefficient = 3, MaxRetryInterval = TimeSpan.FromMinutes(1) });

        var policy = FraudStopOrchestration.PolicyFor(rule);

        Assert.Equal(4, policy.MaxNumberOfAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), policy.FirstRetryInterval);
        Assert.Equal(3, policy.BackoffCoefficient);
        Assert.Equal(TimeSpan.FromMinutes(1), policy.MaxRetryInterval);
    }
}
