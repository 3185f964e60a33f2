namespace MeliFunctions.Fraud;

/// <summary>
/// The fraud stop and cancel flow as pure decisions over a case: no clock, no I/O. Given the case
/// and what the order says, <see cref="Decide"/> names the next step (or a wait); given the step's
/// result, <see cref="Apply"/> gives the new case. Both drivers (the Durable orchestrator in the
/// App, the queue driver in the Server) loop over these two functions.
/// </summary>
/// <remarks>
/// held → inspecting → awaiting_meli_cancel → cancelling → awaiting_cancelled → restoring → cancelled;
/// a package that already left, a refusal or no confirmation → manual_review; the tag cleared before
/// we cancel → releasing → dismissed. An order seen cancelled at any point goes to restoring.
/// </remarks>
public static class FraudFlow
{
    /// <summary>What an order change means: open a case for a newly tagged order, wake a live case, or nothing.</summary>
    public static FraudCaseAction OnOrderChange(FraudCase? existing, FraudFacts facts) => existing switch
    {
        null => facts.FraudTagged ? FraudCaseAction.Open : FraudCaseAction.Ignore,
        { State: FraudState.Dismissed } => facts.FraudTagged && !facts.IsCancelled ? FraudCaseAction.Reopen : FraudCaseAction.Ignore,
        { IsFinal: true } => FraudCaseAction.Ignore,
        _ => FraudCaseAction.Wake,
    };

    /// <summary>A new case: the order is held from this moment.</summary>
    public static FraudCase Open(string sellerId, long orderId, DateTimeOffset now) =>
        new FraudCase(sellerId, orderId) { CreatedAt = now, UpdatedAt = now }
            .With("hold", now, "order held: Mercado Libre tagged it fraud_risk_detected; nothing of ours ships it");

    /// <summary>A dismissed case whose order is tagged again starts over.</summary>
    public static FraudCase Reopen(FraudCase dismissed, DateTimeOffset now) =>
        (dismissed with { State = FraudState.Held, Hold = true, Deadline = null, PullPackage = false, ManualAction = null, InProgress = null, LeaseUntil = null, WakeAt = null })
            .With("hold", now, "order tagged fraud_risk_detected again: held again");

    public static FraudDecision Decide(FraudCase c, FraudFacts facts, DateTimeOffset now, FraudOptions options)
    {
        if (c.IsFinal)
        {
            return new FraudDecision(c.State);
        }

        var beforeCancel = c.State is FraudState.Held or FraudState.Inspecting or FraudState.AwaitingMeliCancel or FraudState.Releasing;
        if (beforeCancel && !facts.FraudTagged)
        {
            return Run(c, FraudStep.ReleaseHold);
        }

        if (facts.IsCancelled || c.State == FraudState.Restoring)
        {
            return Run(c, NextRestoreStep(c, options) ?? FraudStep.Complete);
        }

        return c.State switch
        {
            FraudState.Held or FraudState.Inspecting => Run(c, FraudStep.Inspect),
            FraudState.AwaitingMeliCancel => now >= c.Deadline ? Run(c, FraudStep.Cancel) : Wait(c),
            FraudState.Cancelling => Run(c, FraudStep.Cancel),
            FraudState.AwaitingCancelled => now >= c.Deadline ? Run(c, FraudStep.Escalate) : Wait(c),
            FraudState.Releasing => Run(c, FraudStep.Inspect), // tagged again before the release ran: start over
            _ => throw new InvalidOperationException($"No decision for state {c.State}."),
        };
    }

    /// <summary>
    /// Claims the case for <paramref name="step"/> (written under the case's ETag before the step runs):
    /// the state says what is under way, and a cancellation is recorded as attempted before the call.
    /// </summary>
    public static FraudCase Begin(FraudCase c, FraudStep step, DateTimeOffset now, FraudOptions options)
    {
        var begun = c with
        {
            State = step switch
            {
                FraudStep.Inspect => FraudState.Inspecting,
                FraudStep.Cancel => FraudState.Cancelling,
                FraudStep.RestoreStock or FraudStep.AddNote or FraudStep.BlacklistBuyer or FraudStep.Complete => FraudState.Restoring,
                FraudStep.ReleaseHold => FraudState.Releasing,
                _ => c.State,
            },
            InProgress = step,
            LeaseUntil = now + options.StepLease,
            UpdatedAt = now,
        };
        return step == FraudStep.Cancel
            ? begun.With("cancel", now, $"attempted: POST /orders/{c.OrderId}/feedback fulfilled:false reason {options.CancelReason}")
            : begun;
    }

    public static FraudCase Apply(FraudCase c, FraudStep step, FraudStepResult result, DateTimeOffset now, FraudOptions options)
    {
        var done = c.With(FraudNames.Of(step), now, result.Description) with { InProgress = null, LeaseUntil = null, WakeAt = null };
        if (result.Outcome == FraudStepOutcome.Failed)
        {
            return done with
            {
                State = FraudState.ManualReview,
                ManualAction = $"The automatic flow could not {FraudNames.Of(step).Replace('_', ' ')} ({result.Description}). " +
                               "Do not ship this order; check it on Mercado Libre's site and cancel it there if it is still open.",
            };
        }

        if (result.Outcome == FraudStepOutcome.AlreadyCancelled)
        {
            return AfterRestoringStep(done with { State = FraudState.Restoring }, options);
        }

        if (result.Outcome == FraudStepOutcome.TagCleared)
        {
            return done with { State = FraudState.Releasing };
        }

        if (result.Outcome == FraudStepOutcome.TaggedAgain)
        {
            return done with { State = FraudState.Held, Hold = true, Deadline = null };
        }

        switch (step)
        {
            case FraudStep.Inspect:
                var verdict = result.Shipment ?? throw new ArgumentException("An inspection result carries the shipment verdict.", nameof(result));
                return verdict.CanStop
                    ? done with
                    {
                        State = FraudState.AwaitingMeliCancel,
                        Deadline = now + (verdict.MeliCancelsItself ? options.MeliCancelWait : TimeSpan.Zero),
                        PullPackage = verdict.PullPackage,
                    }
                    : done with { State = FraudState.ManualReview, ManualAction = verdict.Description };
            case FraudStep.Cancel:
                return done with { State = FraudState.AwaitingCancelled, Deadline = now + options.CancelConfirmWait };
            case FraudStep.Escalate:
                return done with
                {
                    State = FraudState.ManualReview,
                    ManualAction = $"Mercado Libre did not show the order cancelled within {options.CancelConfirmWait} of our cancellation. " +
                                   "Do not ship it; check the sale on Mercado Libre's site and cancel it there.",
                };
            case FraudStep.RestoreStock:
                return AfterRestoringStep(done with { StockRestored = true }, options);
            case FraudStep.AddNote:
                return AfterRestoringStep(done with { NoteAdded = true }, options);
            case FraudStep.BlacklistBuyer:
                return AfterRestoringStep(done with { BuyerBlacklisted = true }, options);
            case FraudStep.Complete:
                return done with { State = FraudState.Cancelled };
            case FraudStep.ReleaseHold:
                return done with { State = FraudState.Dismissed, Hold = false };
            default:
                throw new ArgumentOutOfRangeException(nameof(step));
        }
    }

    /// <summary>
    /// What a shipment status means (Mercado Libre's statuses and substatuses; an unknown status is
    /// never guessed: a person looks).
    /// </summary>
    public static ShipmentVerdict ClassifyShipment(ShipmentFacts? shipment)
    {
        const string ActOnMeliSite = "Check the sale on Mercado Libre's (or Mercado Pago's) site and follow its instructions for a fraud " +
                            "alert on a sale already sent; do not send anything else to this buyer.";
        if (shipment is null)
        {
            return new ShipmentVerdict(true, false, false, "no shipment: the goods are with the seller");
        }

        var meliEnvios = shipment.Mode == "me2";
        return (shipment.Status, shipment.Substatus) switch
        {
            ("to_be_agreed", _) => new(true, false, false, "shipment to_be_agreed: nothing sent yet"),
            ("pending" or "handling", _) => new(true, meliEnvios, false, $"shipment {shipment.Status}: not handed over yet"),
            ("ready_to_ship", "printed") => new(true, false, true, "shipment ready_to_ship/printed: the label is printed; pull the package"),
            ("ready_to_ship", "picked_up" or "in_hub" or "dropped_off" or "in_transit") =>
                new(false, false, false, $"The package was handed to the carrier (ready_to_ship/{shipment.Substatus}). {ActOnMeliSite}"),
            ("ready_to_ship", null or "ready_to_print" or "invoice_pending" or "in_warehouse" or "in_packing_list") =>
                new(true, meliEnvios, false, $"shipment ready_to_ship/{shipment.Substatus ?? "-"}: label not printed"),
            ("ready_to_ship", _) => new(true, false, true, $"shipment ready_to_ship/{shipment.Substatus}: may be packed; pull the package"),
            ("cancelled", _) => new(true, true, false, "shipment already cancelled by Mercado Libre"),
            ("shipped", _) => new(false, false, false, $"The package is in transit (shipped). {ActOnMeliSite}"),
            ("delivered", _) => new(false, false, false, $"The package was delivered. {ActOnMeliSite}"),
            ("not_delivered", _) => new(false, false, false, $"The package left and was not delivered (not_delivered/{shipment.Substatus ?? "-"}). {ActOnMeliSite}"),
            ("closed", _) => new(false, false, false, $"The shipment is closed. {ActOnMeliSite}"),
            _ => new(false, false, false, $"The shipment status '{shipment.Status ?? "unknown"}' is not one the flow knows. Check the sale on Mercado Libre's site; do not ship it."),
        };
    }

    /// <summary>After the cancellation: stock, then the note, then (if configured) the blacklist.</summary>
    public static FraudStep? NextRestoreStep(FraudCase c, FraudOptions options) =>
        !c.StockRestored ? FraudStep.RestoreStock
        : !c.NoteAdded ? FraudStep.AddNote
        : options.BlacklistBuyer && !c.BuyerBlacklisted ? FraudStep.BlacklistBuyer
        : null;

    private static FraudCase AfterRestoringStep(FraudCase c, FraudOptions options) =>
        c with { State = NextRestoreStep(c, options) is null ? FraudState.Cancelled : FraudState.Restoring };

    private static FraudDecision Run(FraudCase c, FraudStep step) => new(c.State, step);

    private static FraudDecision Wait(FraudCase c) => new(c.State, WaitUntil: c.Deadline);
}
