using MeliFunctions.Fraud;

namespace MeliFunctions.Tests.Fraud;

/// <summary>Every branch of the fraud flow, on the pure decision: no storage, no HTTP, no clock.</summary>
public sealed class FraudFlowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly FraudOptions Options = new() { MeliCancelWait = TimeSpan.FromMinutes(30), CancelConfirmWait = TimeSpan.FromHours(6) };
    private static readonly FraudFacts TaggedPaid = new("paid", FraudTagged: true);
    private static readonly FraudFacts Untagged = new("paid", FraudTagged: false);
    private static readonly FraudFacts TaggedCancelled = new("cancelled", FraudTagged: true, CancelledBy: "mercadolibre");

    private static FraudCase Case(FraudState state, DateTimeOffset? deadline = null) =>
        FraudFlow.Open("240003832", 2000000001, T0) with { State = state, Deadline = deadline };

    [Theory]
    // status, substatus, mode, can stop, MeLi cancels by itself, pull the package
    [InlineData("pending", null, "me2", true, true, false)]
    [InlineData("pending", "under_review", "me2", true, true, false)]
    [InlineData("handling", null, "me2", true, true, false)]
    [InlineData("handling", null, "custom", true, false, false)]
    [InlineData("ready_to_ship", "ready_to_print", "me2", true, true, false)]
    [InlineData("ready_to_ship", "invoice_pending", "me2", true, true, false)]
    [InlineData("ready_to_ship", "in_warehouse", "me2", true, true, false)]
    [InlineData("ready_to_ship", null, "me2", true, true, false)]
    [InlineData("ready_to_ship", "printed", "me2", true, false, true)]
    [InlineData("ready_to_ship", "something_new", "me2", true, false, true)]
    [InlineData("ready_to_ship", "picked_up", "me2", false, false, false)]
    [InlineData("ready_to_ship", "in_hub", "me2", false, false, false)]
    [InlineData("ready_to_ship", "dropped_off", "me2", false, false, false)]
    [InlineData("to_be_agreed", null, "custom", true, false, false)]
    [InlineData("cancelled", "fraudulent", "me2", true, true, false)]
    [InlineData("shipped", null, "me2", false, false, false)]
    [InlineData("shipped", null, "custom", false, false, false)]
    [InlineData("delivered", null, "me2", false, false, false)]
    [InlineData("not_delivered", "returning_to_sender", "me2", false, false, false)]
    [InlineData("closed", null, "me2", false, false, false)]
    [InlineData("teleported", null, "me2", false, false, false)]
    [InlineData(null, null, null, false, false, false)]
    public void Every_shipment_status_has_a_verdict(string? status, string? substatus, string? mode, bool canStop, bool meliCancels, bool pull)
    {
        var verdict = FraudFlow.ClassifyShipment(new ShipmentFacts(status, substatus, mode, null));

        Assert.Equal((canStop, meliCancels, pull), (verdict.CanStop, verdict.MeliCancelsItself, verdict.PullPackage));
        if (!canStop)
        {
            Assert.Contains("Mercado Libre", verdict.Description); // tells the seller where to act
        }
    }

    [Fact]
    public void An_order_without_shipment_can_be_stopped_and_we_cancel_it_ourselves()
    {
        var verdict = FraudFlow.ClassifyShipment(null);
        Assert.True(verdict.CanStop);
        Assert.False(verdict.MeliCancelsItself);
    }

    [Theory]
    [InlineData(null, true, false, FraudCaseAction.Open)]
    [InlineData(null, false, false, FraudCaseAction.Ignore)]
    [InlineData(FraudState.Held, true, false, FraudCaseAction.Wake)]
    [InlineData(FraudState.AwaitingMeliCancel, false, false, FraudCaseAction.Wake)]
    [InlineData(FraudState.AwaitingCancelled, true, true, FraudCaseAction.Wake)]
    [InlineData(FraudState.Restoring, true, true, FraudCaseAction.Wake)]
    [InlineData(FraudState.Cancelled, true, true, FraudCaseAction.Ignore)]
    [InlineData(FraudState.ManualReview, true, false, FraudCaseAction.Ignore)]
    [InlineData(FraudState.Dismissed, false, false, FraudCaseAction.Ignore)]
    [InlineData(FraudState.Dismissed, true, false, FraudCaseAction.Reopen)]
    [InlineData(FraudState.Dismissed, true, true, FraudCaseAction.Ignore)]
    public void An_order_change_opens_wakes_reopens_or_is_ignored(FraudState? state, bool tagged, bool cancelled, FraudCaseAction expected)
    {
        var existing = state is { } s ? Case(s) : null;
        var facts = new FraudFacts(cancelled ? "cancelled" : "paid", tagged);
        Assert.Equal(expected, FraudFlow.OnOrderChange(existing, facts));
    }

    [Fact]
    public void A_new_case_is_held_with_the_hold_recorded()
    {
        var c = FraudFlow.Open("1", 2, T0);
        Assert.Equal(FraudState.Held, c.State);
        Assert.True(c.Hold);
        Assert.Equal("hold", Assert.Single(c.Steps).Step);
    }

    public static TheoryData<FraudState, string, bool, int, FraudStep?, bool> Decisions => new()
    {
        // state, order status, tagged, minutes after T0 (deadline T0 + 30 min), expected step, expected wait
        { FraudState.Held, "paid", true, 0, FraudStep.Inspect, false },
        { FraudState.Inspecting, "paid", true, 0, FraudStep.Inspect, false },
        { FraudState.Held, "paid", false, 0, FraudStep.ReleaseHold, false },
        { FraudState.Inspecting, "paid", false, 0, FraudStep.ReleaseHold, false },
        { FraudState.AwaitingMeliCancel, "paid", true, 10, null, true },
        { FraudState.AwaitingMeliCancel, "paid", true, 30, FraudStep.Cancel, false },
        { FraudState.AwaitingMeliCancel, "paid", false, 10, FraudStep.ReleaseHold, false },
        { FraudState.AwaitingMeliCancel, "cancelled", true, 10, FraudStep.RestoreStock, false },
        { FraudState.AwaitingMeliCancel, "cancelled", false, 10, FraudStep.ReleaseHold, false },
        { FraudState.Held, "cancelled", true, 0, FraudStep.RestoreStock, false },
        { FraudState.Cancelling, "paid", true, 0, FraudStep.Cancel, false },
        { FraudState.Cancelling, "paid", false, 0, FraudStep.Cancel, false }, // too late to dismiss: we asked MeLi to cancel
        { FraudState.Cancelling, "cancelled", true, 0, FraudStep.RestoreStock, false },
        { FraudState.AwaitingCancelled, "paid", true, 10, null, true },
        { FraudState.AwaitingCancelled, "paid", false, 10, null, true },
        { FraudState.AwaitingCancelled, "paid", true, 30, FraudStep.Escalate, false },
        { FraudState.AwaitingCancelled, "cancelled", true, 10, FraudStep.RestoreStock, false },
        { FraudState.Restoring, "cancelled", true, 0, FraudStep.RestoreStock, false },
        { FraudState.Restoring, "paid", true, 0, FraudStep.RestoreStock, false }, // stored order not caught up yet
        { FraudState.Releasing, "paid", false, 0, FraudStep.ReleaseHold, false },
        { FraudState.Releasing, "paid", true, 0, FraudStep.Inspect, false },
        { FraudState.Cancelled, "cancelled", true, 0, null, false },
        { FraudState.ManualReview, "paid", true, 0, null, false },
        { FraudState.Dismissed, "paid", false, 0, null, false },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void The_next_step_follows_the_state_and_the_order(FraudState state, string status, bool tagged, int minutes, FraudStep? step, bool waits)
    {
        var c = Case(state, T0.AddMinutes(30));
        var decision = FraudFlow.Decide(c, new FraudFacts(status, tagged), T0.AddMinutes(minutes), Options);

        Assert.Equal(step, decision.Step);
        Assert.Equal(waits ? T0.AddMinutes(30) : null, decision.WaitUntil);
        Assert.Equal(step is null && !waits, decision.IsFinished);
    }

    [Theory]
    [InlineData(false, false, false, false, FraudStep.RestoreStock)]
    [InlineData(true, false, false, false, FraudStep.AddNote)]
    [InlineData(true, true, false, false, FraudStep.Complete)]
    [InlineData(true, true, true, false, FraudStep.BlacklistBuyer)]
    [InlineData(true, true, true, true, FraudStep.Complete)]
    public void Restoring_goes_stock_then_note_then_blacklist(bool stock, bool note, bool blacklistOn, bool blacklisted, FraudStep expected)
    {
        var c = Case(FraudState.Restoring) with { StockRestored = stock, NoteAdded = note, BuyerBlacklisted = blacklisted };
        var options = new FraudOptions { BlacklistBuyer = blacklistOn };
        Assert.Equal(expected, FraudFlow.Decide(c, TaggedCancelled, T0, options).Step);
    }

    [Fact]
    public void Inspection_of_a_stoppable_Mercado_Envios_shipment_waits_for_MeLi()
    {
        var c = FraudFlow.Begin(Case(FraudState.Held), FraudStep.Inspect, T0, Options);
        Assert.Equal(FraudState.Inspecting, c.State);

        var verdict = FraudFlow.ClassifyShipment(new ShipmentFacts("ready_to_ship", "ready_to_print", "me2", "drop_off"));
        var after = FraudFlow.Apply(c, FraudStep.Inspect, new FraudStepResult(FraudStepOutcome.Done, verdict.Description, verdict), T0, Options);

        Assert.Equal(FraudState.AwaitingMeliCancel, after.State);
        Assert.Equal(T0 + Options.MeliCancelWait, after.Deadline);
        Assert.Null(after.InProgress);
        Assert.Null(after.LeaseUntil);
        Assert.Equal(FraudStep.Cancel, FraudFlow.Decide(after, TaggedPaid, T0 + Options.MeliCancelWait, Options).Step);
    }

    [Theory]
    [InlineData("ready_to_ship", "printed", "me2", true)]
    [InlineData("handling", null, "custom", false)]
    public void When_MeLi_will_not_cancel_by_itself_we_cancel_at_once(string status, string? substatus, string mode, bool pull)
    {
        var verdict = FraudFlow.ClassifyShipment(new ShipmentFacts(status, substatus, mode, null));
        var after = FraudFlow.Apply(Case(FraudState.Inspecting), FraudStep.Inspect, new FraudStepResult(FraudStepOutcome.Done, verdict.Description, verdict), T0, Options);

        Assert.Equal(FraudState.AwaitingMeliCancel, after.State);
        Assert.Equal(T0, after.Deadline);
        Assert.Equal(pull, after.PullPackage);
        Assert.Equal(FraudStep.Cancel, FraudFlow.Decide(after, TaggedPaid, T0, Options).Step);
    }

    [Fact]
    public void A_package_that_left_ends_in_manual_review_with_what_to_do_and_the_hold_kept()
    {
        var verdict = FraudFlow.ClassifyShipment(new ShipmentFacts("shipped", null, "me2", null));
        var after = FraudFlow.Apply(Case(FraudState.Inspecting), FraudStep.Inspect, new FraudStepResult(FraudStepOutcome.Done, verdict.Description, verdict), T0, Options);

        Assert.Equal(FraudState.ManualReview, after.State);
        Assert.True(after.IsFinal);
        Assert.True(after.Hold);
        Assert.Contains("in transit", after.ManualAction);
        Assert.True(FraudFlow.Decide(after, TaggedPaid, T0, Options).IsFinished);
    }

    [Fact]
    public void Cancelling_is_recorded_as_attempted_before_the_call_and_then_waits_for_cancelled()
    {
        var begun = FraudFlow.Begin(Case(FraudState.AwaitingMeliCancel, T0), FraudStep.Cancel, T0, Options);
        Assert.Equal(FraudState.Cancelling, begun.State);
        Assert.Equal(FraudStep.Cancel, begun.InProgress);
        Assert.Equal(T0 + Options.StepLease, begun.LeaseUntil);
        Assert.StartsWith("attempted", begun.Steps[^1].Result);

        var after = FraudFlow.Apply(begun, FraudStep.Cancel, FraudStepResult.Done("feedback given"), T0, Options);
        Assert.Equal(FraudState.AwaitingCancelled, after.State);
        Assert.Equal(T0 + Options.CancelConfirmWait, after.Deadline);
    }

    [Fact]
    public void A_cancel_step_that_finds_the_order_cancelled_goes_to_restoring()
    {
        var after = FraudFlow.Apply(Case(FraudState.Cancelling), FraudStep.Cancel, new FraudStepResult(FraudStepOutcome.AlreadyCancelled, "cancelled by mercadolibre"), T0, Options);
        Assert.Equal(FraudState.Restoring, after.State);
        Assert.Equal(FraudStep.RestoreStock, FraudFlow.Decide(after, TaggedPaid, T0, Options).Step);
    }

    [Fact]
    public void A_cancel_step_that_finds_the_tag_gone_releases_the_hold()
    {
        var after = FraudFlow.Apply(Case(FraudState.Cancelling), FraudStep.Cancel, new FraudStepResult(FraudStepOutcome.TagCleared, "tag cleared"), T0, Options);
        Assert.Equal(FraudState.Releasing, after.State);
        Assert.Equal(FraudStep.ReleaseHold, FraudFlow.Decide(after, Untagged, T0, Options).Step);
    }

    [Fact]
    public void No_confirmation_in_time_escalates_to_manual_review()
    {
        var after = FraudFlow.Apply(Case(FraudState.AwaitingCancelled, T0), FraudStep.Escalate, FraudStepResult.Done("still paid"), T0, Options);
        Assert.Equal(FraudState.ManualReview, after.State);
        Assert.Contains("did not show the order cancelled", after.ManualAction);
    }

    [Fact]
    public void An_escalation_that_finds_the_order_cancelled_restores_instead()
    {
        var after = FraudFlow.Apply(Case(FraudState.AwaitingCancelled, T0), FraudStep.Escalate, new FraudStepResult(FraudStepOutcome.AlreadyCancelled, "cancelled"), T0, Options);
        Assert.Equal(FraudState.Restoring, after.State);
    }

    [Theory]
    [InlineData(FraudStep.Inspect)]
    [InlineData(FraudStep.Cancel)]
    [InlineData(FraudStep.RestoreStock)]
    [InlineData(FraudStep.AddNote)]
    [InlineData(FraudStep.BlacklistBuyer)]
    [InlineData(FraudStep.ReleaseHold)]
    public void A_step_that_fails_for_good_ends_in_manual_review_and_keeps_the_hold(FraudStep step)
    {
        var after = FraudFlow.Apply(FraudFlow.Begin(Case(FraudState.Held), step, T0, Options), step, FraudStepResult.Failed("400 not_fulfilled_feedback_in_order_expired"), T0, Options);
        Assert.Equal(FraudState.ManualReview, after.State);
        Assert.True(after.Hold);
        Assert.Contains("not_fulfilled_feedback_in_order_expired", after.ManualAction);
        Assert.Null(after.InProgress);
    }

    [Fact]
    public void Restoring_ends_cancelled_once_stock_and_note_are_done()
    {
        var c = Case(FraudState.Restoring);
        c = FraudFlow.Apply(c, FraudStep.RestoreStock, FraudStepResult.Done("2 units back"), T0, Options);
        Assert.Equal(FraudState.Restoring, c.State);
        c = FraudFlow.Apply(c, FraudStep.AddNote, FraudStepResult.Done("note added"), T0, Options);
        Assert.Equal(FraudState.Cancelled, c.State);
        Assert.True(c.Hold);
        Assert.Equal(["hold", "restore_stock", "add_note"], c.Steps.Select(s => s.Step));
    }

    [Fact]
    public void With_the_blacklist_on_restoring_ends_after_the_buyer_is_blocked()
    {
        var options = new FraudOptions { BlacklistBuyer = true };
        var c = Case(FraudState.Restoring) with { StockRestored = true };
        c = FraudFlow.Apply(c, FraudStep.AddNote, FraudStepResult.Done("note added"), T0, options);
        Assert.Equal(FraudState.Restoring, c.State);
        c = FraudFlow.Apply(c, FraudStep.BlacklistBuyer, FraudStepResult.Done("buyer blocked"), T0, options);
        Assert.Equal(FraudState.Cancelled, c.State);
    }

    [Fact]
    public void A_release_that_finds_the_order_tagged_again_keeps_the_hold_and_starts_over()
    {
        var begun = FraudFlow.Begin(Case(FraudState.Releasing), FraudStep.ReleaseHold, T0, Options);
        var after = FraudFlow.Apply(begun, FraudStep.ReleaseHold, new FraudStepResult(FraudStepOutcome.TaggedAgain, "tagged again"), T0, Options);
        Assert.Equal(FraudState.Held, after.State);
        Assert.True(after.Hold);
        Assert.Null(after.InProgress);
        Assert.Equal(FraudStep.Inspect, FraudFlow.Decide(after, TaggedPaid, T0, Options).Step);
    }

    [Fact]
    public void Releasing_the_hold_dismisses_the_case()
    {
        var after = FraudFlow.Apply(Case(FraudState.Releasing), FraudStep.ReleaseHold, FraudStepResult.Done("hold released"), T0, Options);
        Assert.Equal(FraudState.Dismissed, after.State);
        Assert.False(after.Hold);
    }

    [Fact]
    public void A_dismissed_case_tagged_again_is_held_again()
    {
        var dismissed = Case(FraudState.Dismissed) with { Hold = false };
        var reopened = FraudFlow.Reopen(dismissed, T0);
        Assert.Equal(FraudState.Held, reopened.State);
        Assert.True(reopened.Hold);
        Assert.Equal(FraudStep.Inspect, FraudFlow.Decide(reopened, TaggedPaid, T0, Options).Step);
    }

    [Theory]
    [InlineData("00:30:00", "06:00:00", "DUBIOUS_BUYER", null)]
    [InlineData("-00:00:01", "06:00:00", "DUBIOUS_BUYER", "Fraud__MeliCancelWait")]
    [InlineData("8.00:00:00", "06:00:00", "DUBIOUS_BUYER", "Fraud__MeliCancelWait")]
    [InlineData("00:30:00", "00:00:00", "DUBIOUS_BUYER", "Fraud__CancelConfirmWait")]
    [InlineData("00:30:00", "06:00:00", "FRAUD", "Fraud__CancelReason")]
    public void Options_are_validated_naming_the_setting(string meliWait, string confirmWait, string reason, string? error)
    {
        var options = new FraudOptions { MeliCancelWait = TimeSpan.Parse(meliWait), CancelConfirmWait = TimeSpan.Parse(confirmWait), CancelReason = reason };
        var problem = options.Validate();
        if (error is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(error, problem);
        }
    }
}
