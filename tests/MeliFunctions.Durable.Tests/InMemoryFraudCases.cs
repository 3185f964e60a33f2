using System.Collections.Concurrent;
using MeliFunctions.Durable.Fraud;
using MeliFunctions.Fraud;
using Microsoft.DurableTask;

namespace MeliFunctions.Durable.Tests;

/// <summary>
/// What the activities work on in these tests: fraud cases held in memory, moved by Core's pure
/// decisions (<see cref="FraudFlow.Decide"/>, <see cref="FraudFlow.Begin"/>, <see cref="FraudFlow.Apply"/>)
/// as <see cref="FraudCaseRunner"/> moves the stored ones, with each step's result made up here
/// instead of asked of Mercado Libre. Every activity call is recorded, so a test can tell what ran,
/// in which order, and how often. The activities are registered under the App's names.
/// </summary>
public sealed class InMemoryFraudCases(FraudOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, long), Entry> _cases = [];

    /// <summary>
    /// Each activity call, in order: <c>decide</c>, <c>run:{step}</c> or <c>give_up:{step}</c>, with
    /// the worker that ran it and the generation of the orchestration input (its ContinueAsNew count).
    /// </summary>
    public ConcurrentQueue<ActivityCall> Calls { get; } = new();

    /// <summary>Throws to make a step fail for now (a MeLi 5xx, say); null lets it succeed.</summary>
    public Func<FraudStep, Exception?> Failure { get; set; } = _ => null;

    /// <summary>Awaited after a decision is made and before it is returned (to hold the orchestration in an activity).</summary>
    public Func<FraudDecision, Task> BeforeDecisionReturns { get; set; } = _ => Task.CompletedTask;

    public FraudOptions Options { get; } = options;

    public void Open(string sellerId, long orderId, ShipmentFacts? shipment)
    {
        lock (_lock)
        {
            _cases[(sellerId, orderId)] = new Entry(FraudFlow.Open(sellerId, orderId, DateTimeOffset.UtcNow), new FraudFacts("paid", FraudTagged: true), shipment);
        }
    }

    /// <summary>A finished case whose order is tagged again, as the order sync reopens it.</summary>
    public void Reopen(string sellerId, long orderId, FraudFacts facts)
    {
        lock (_lock)
        {
            var entry = _cases[(sellerId, orderId)];
            _cases[(sellerId, orderId)] = entry with { Case = FraudFlow.Reopen(entry.Case, DateTimeOffset.UtcNow), Facts = facts };
        }
    }

    /// <summary>The order as the store would show it after a sync (cancelled, tag cleared...).</summary>
    public void OrderNow(string sellerId, long orderId, FraudFacts facts)
    {
        lock (_lock)
        {
            _cases[(sellerId, orderId)] = _cases[(sellerId, orderId)] with { Facts = facts };
        }
    }

    public FraudCase Case(string sellerId, long orderId)
    {
        lock (_lock)
        {
            return _cases[(sellerId, orderId)].Case;
        }
    }

    public IReadOnlyList<string> CallNames() => Calls.Select(c => c.Call).ToList();

    public int Count(string call) => Calls.Count(c => c.Call == call);

    /// <summary>The orchestration and the three activities, under the names the App gives them, for one worker.</summary>
    public void Register(DurableTaskRegistry tasks, string worker)
    {
        tasks.AddOrchestrator(FraudStopOrchestration.Name, new FraudStopOrchestration());
        tasks.AddActivityFunc<FraudFlowInput, FraudDecision>(FraudStopOrchestration.DecideActivity, (_, input) => DecideAsync(input, worker));
        tasks.AddActivityFunc<FraudStepInput, string>(FraudStopOrchestration.RunStepActivity, (_, input) => RunStep(input, worker));
        tasks.AddActivityFunc<FraudGiveUpInput, string>(FraudStopOrchestration.GiveUpActivity, (_, input) => GiveUp(input, worker));
    }

    private async Task<FraudDecision> DecideAsync(FraudFlowInput input, string worker)
    {
        Calls.Enqueue(new ActivityCall("decide", worker, input.Generation, DateTimeOffset.UtcNow));
        FraudDecision decision;
        lock (_lock)
        {
            var entry = _cases[(input.SellerId, input.OrderId)];
            decision = FraudFlow.Decide(entry.Case, entry.Facts, DateTimeOffset.UtcNow, Options);
        }

        await BeforeDecisionReturns(decision);
        return decision;
    }

    private string RunStep(FraudStepInput input, string worker)
    {
        Calls.Enqueue(new ActivityCall($"run:{FraudNames.Of(input.Step)}", worker, null, DateTimeOffset.UtcNow));
        if (Failure(input.Step) is { } failure)
        {
            throw failure;
        }

        lock (_lock)
        {
            var entry = _cases[(input.SellerId, input.OrderId)];
            var now = DateTimeOffset.UtcNow;
            if (FraudFlow.Decide(entry.Case, entry.Facts, now, Options).Step != input.Step)
            {
                return "not the next step: nothing done"; // as FraudCaseRunner does with a replayed step
            }

            var begun = FraudFlow.Begin(entry.Case, input.Step, now, Options);
            var next = FraudFlow.Apply(begun, input.Step, ResultOf(input.Step, entry), now, Options);
            _cases[(input.SellerId, input.OrderId)] = entry with { Case = next };
            return FraudNames.Of(next.State);
        }
    }

    private string GiveUp(FraudGiveUpInput input, string worker)
    {
        Calls.Enqueue(new ActivityCall($"give_up:{FraudNames.Of(input.Step)}", worker, null, DateTimeOffset.UtcNow));
        lock (_lock)
        {
            var entry = _cases[(input.SellerId, input.OrderId)];
            var next = FraudFlow.Apply(entry.Case, input.Step, FraudStepResult.Failed(input.Reason), DateTimeOffset.UtcNow, Options);
            _cases[(input.SellerId, input.OrderId)] = entry with { Case = next };
            return FraudNames.Of(next.State);
        }
    }

    private static FraudStepResult ResultOf(FraudStep step, Entry entry) => step switch
    {
        FraudStep.Inspect => new FraudStepResult(FraudStepOutcome.Done, "shipment inspected", FraudFlow.ClassifyShipment(entry.Shipment)),
        FraudStep.Cancel => FraudStepResult.Done("feedback fulfilled:false given"),
        _ => FraudStepResult.Done($"{FraudNames.Of(step)} done"),
    };

    private sealed record Entry(FraudCase Case, FraudFacts Facts, ShipmentFacts? Shipment);
}

public sealed record ActivityCall(string Call, string Worker, int? Generation, DateTimeOffset At);
