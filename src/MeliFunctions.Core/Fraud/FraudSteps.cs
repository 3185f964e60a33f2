using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using MeliFunctions.Orders;
using MeliFunctions.Stock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Fraud;

/// <summary>
/// The I/O of each step. Every step checks before it acts, so running it again (after a crash or a
/// retry) does not do it twice: the cancellation reads the order first and takes "feedback already
/// given" as done, the note and the blacklist look for what is already there, the stock effect is
/// idempotent by contract. Transient Mercado Libre errors are thrown (the driver retries with
/// backoff); a permanent refusal is a <see cref="FraudStepOutcome.Failed"/> result.
/// </summary>
public sealed class FraudSteps(
    MeliApiClient meli,
    OrderStore orders,
    IEnumerable<IOrderStockEffects> stockEffects,
    IOptions<FraudOptions> options,
    ILogger<FraudSteps> logger)
{
    /// <summary>Our notes start with this, so a note already added is recognised.</summary>
    public const string NotePrefix = "Fraud stop:";

    /// <summary>Test seam: runs when the release step begins, after the flow decided to release the hold.</summary>
    internal Func<FraudCase, CancellationToken, Task>? BeforeReleaseHold { get; set; }

    public async Task<FraudStepResult> RunAsync(FraudCase c, FraudStep step, CancellationToken cancellationToken)
    {
        try
        {
            return step switch
            {
                FraudStep.Inspect => await InspectAsync(c, cancellationToken),
                FraudStep.Cancel => await CancelAsync(c, cancellationToken),
                FraudStep.Escalate => await EscalateAsync(c, cancellationToken),
                FraudStep.RestoreStock => await RestoreStockAsync(c, cancellationToken),
                FraudStep.AddNote => await AddNoteAsync(c, cancellationToken),
                FraudStep.BlacklistBuyer => await BlacklistAsync(c, cancellationToken),
                FraudStep.ReleaseHold => await ReleaseAsync(c, cancellationToken),
                FraudStep.Complete => FraudStepResult.Done("cancelled; nothing left to do"),
                _ => throw new ArgumentOutOfRangeException(nameof(step)),
            };
        }
        catch (MeliApiException ex) when (ex.Kind != MeliErrorKind.Transient)
        {
            return FraudStepResult.Failed(ex.Kind == MeliErrorKind.SellerDisconnected
                ? "the seller's Mercado Libre connection is gone; reconnect the seller"
                : $"Mercado Libre answered {ex.Status} {ex.Error}: {ex.MeliMessage}");
        }
    }

    private async Task<FraudStepResult> InspectAsync(FraudCase c, CancellationToken cancellationToken)
    {
        var stored = await orders.GetAsync(c.SellerId, c.OrderId, cancellationToken);
        var shipmentId = stored is null ? null : FraudFacts.FromOrder(stored.Order).ShipmentId;
        ShipmentFacts? shipment = null;
        if (shipmentId is { } id)
        {
            shipment = ShipmentFacts.FromShipment(await meli.GetShipmentAsync(c.SellerId, id, cancellationToken));
        }

        var verdict = FraudFlow.ClassifyShipment(shipment);
        var description = shipment is null ? verdict.Description : $"{shipment.Mode ?? "?"} shipment {shipmentId}: {verdict.Description}";
        return new FraudStepResult(FraudStepOutcome.Done, description, verdict);
    }

    private async Task<FraudStepResult> CancelAsync(FraudCase c, CancellationToken cancellationToken)
    {
        // Check first: MeLi may have cancelled by itself, cleared the tag, or taken our earlier attempt.
        var fresh = (await meli.GetOrderAsync(c.SellerId, c.OrderId, cancellationToken)).Order;
        var facts = FraudFacts.FromOrder(fresh);
        if (facts.IsCancelled)
        {
            return new FraudStepResult(FraudStepOutcome.AlreadyCancelled, $"no feedback sent: the order is already cancelled (requested by {facts.CancelledBy ?? "unknown"})");
        }

        if (!facts.FraudTagged)
        {
            return new FraudStepResult(FraudStepOutcome.TagCleared, "no feedback sent: Mercado Libre no longer tags the order fraud_risk_detected");
        }

        if (fresh["feedback"]?["sale"] is JsonObject)
        {
            return FraudStepResult.Done("the seller's feedback is already given; waiting for cancelled");
        }

        // An earlier attempt whose answer never came (a timeout) may have been done: ask before posting again.
        if (c.Steps.Count(s => s.Step == "cancel") > 1 &&
            (await meli.GetFeedbackAsync(c.SellerId, c.OrderId, cancellationToken))?["sale"] is JsonObject)
        {
            return FraudStepResult.Done("the seller's feedback of an earlier attempt is there; waiting for cancelled");
        }

        var o = options.Value;
        var body = new JsonObject
        {
            ["fulfilled"] = false,
            ["rating"] = "neutral",
            ["message"] = o.CancelMessage,
            ["reason"] = o.CancelReason,
            // The goods never left the seller (a package that left ends in manual_review before this step).
            ["restock_item"] = true,
        };
        try
        {
            await meli.GiveFeedbackAsync(c.SellerId, c.OrderId, body, cancellationToken);
        }
        catch (MeliApiException ex) when (ex.Status == 400 && ex.Error is { } error && error.Contains("already", StringComparison.OrdinalIgnoreCase))
        {
            return FraudStepResult.Done($"feedback already given ({error}): taken as done; waiting for cancelled");
        }

        logger.LogInformation("Order {OrderId} of seller {SellerId}: cancelled as the seller (feedback fulfilled:false, reason {Reason})", c.OrderId, c.SellerId, o.CancelReason);
        return FraudStepResult.Done($"feedback fulfilled:false given (reason {o.CancelReason}); waiting for cancelled");
    }

    private async Task<FraudStepResult> EscalateAsync(FraudCase c, CancellationToken cancellationToken)
    {
        var facts = FraudFacts.FromOrder((await meli.GetOrderAsync(c.SellerId, c.OrderId, cancellationToken)).Order);
        return facts.IsCancelled
            ? new FraudStepResult(FraudStepOutcome.AlreadyCancelled, $"the order is cancelled after all (requested by {facts.CancelledBy ?? "unknown"})")
            : FraudStepResult.Done($"the order is still {facts.OrderStatus} {options.Value.CancelConfirmWait} after our cancellation");
    }

    private async Task<FraudStepResult> RestoreStockAsync(FraudCase c, CancellationToken cancellationToken)
    {
        var results = new List<string>();
        foreach (var effects in stockEffects)
        {
            var result = await effects.ApplyAsync(c.SellerId, c.OrderId, cancellationToken);
            results.Add(result.Description);
        }

        return FraudStepResult.Done(results.Count == 0 ? "no stock ledger is configured: nothing to restore" : string.Join("; ", results));
    }

    private async Task<FraudStepResult> AddNoteAsync(FraudCase c, CancellationToken cancellationToken)
    {
        var existing = await meli.ListNotesAsync(c.SellerId, c.OrderId, cancellationToken);
        if (existing.Notes.Any(n => n.Note.StartsWith(NotePrefix, StringComparison.Ordinal)))
        {
            return FraudStepResult.Done("our note is already on the order");
        }

        var stored = await orders.GetAsync(c.SellerId, c.OrderId, cancellationToken);
        var by = (stored is null ? null : FraudFacts.FromOrder(stored.Order).CancelledBy) switch
        {
            "mercadolibre" => "Mercado Libre cancelled it",
            "seller" => "it was cancelled as the seller (feedback fulfilled:false)",
            { } other => $"it was cancelled (requested by {other})",
            null => "it was cancelled",
        };
        var note = $"{NotePrefix} Mercado Libre tagged this order fraud_risk_detected; {by}. Do not ship it.{(c.PullPackage ? " The label was printed: pull the package." : "")}";
        await meli.AddNoteAsync(c.SellerId, c.OrderId, note, cancellationToken);
        return FraudStepResult.Done("note added: " + note);
    }

    private async Task<FraudStepResult> BlacklistAsync(FraudCase c, CancellationToken cancellationToken)
    {
        var stored = await orders.GetAsync(c.SellerId, c.OrderId, cancellationToken);
        if ((stored is null ? null : FraudFacts.FromOrder(stored.Order).BuyerId) is not { } buyer)
        {
            return FraudStepResult.Done("the order shows no buyer id: nobody to block");
        }

        var list = await meli.GetBlacklistAsync(c.SellerId, cancellationToken);
        if (list.UserIds.Contains(buyer))
        {
            return FraudStepResult.Done($"buyer {buyer} was already on the seller's order blacklist");
        }

        await meli.BlockBuyerAsync(c.SellerId, buyer, cancellationToken);
        return FraudStepResult.Done($"buyer {buyer} added to the seller's order blacklist");
    }

    private async Task<FraudStepResult> ReleaseAsync(FraudCase c, CancellationToken cancellationToken)
    {
        if (BeforeReleaseHold is { } hook)
        {
            await hook(c, cancellationToken);
        }

        // Released only on the row as read untagged (its ETag): a version tagged again meanwhile keeps the hold.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var stored = await orders.GetAsync(c.SellerId, c.OrderId, cancellationToken);
            if (stored is not null && FraudFacts.HasFraudTag(stored.Order))
            {
                return new FraudStepResult(FraudStepOutcome.TaggedAgain, "hold kept: Mercado Libre tags the order fraud_risk_detected again; the flow starts over");
            }

            if (stored is null || await orders.ReleaseHoldAsync(stored, cancellationToken))
            {
                return FraudStepResult.Done("hold released: Mercado Libre cleared the fraud_risk_detected tag before we cancelled");
            }
        }

        throw new InvalidOperationException($"the order {c.OrderId} kept changing while its hold was being released; the release runs again");
    }
}
