using System.Text.Json.Nodes;
using Azure;

namespace MeliFunctions.Fraud;

/// <summary>Where a fraud case stands. The last three are final.</summary>
public enum FraudState
{
    Held,
    Inspecting,
    AwaitingMeliCancel,
    Cancelling,
    AwaitingCancelled,
    Restoring,
    Releasing,
    Cancelled,
    ManualReview,
    Dismissed,
}

/// <summary>What the flow does next. Each is idempotent: it checks Mercado Libre (or our store) before it acts.</summary>
public enum FraudStep
{
    /// <summary>Read the shipment: has the package left, is the label printed, will MeLi cancel by itself?</summary>
    Inspect,

    /// <summary>Cancel as the seller: <c>POST /orders/{id}/feedback</c> with <c>fulfilled:false</c>.</summary>
    Cancel,

    /// <summary>The cancellation was not confirmed in time: check once more, then <c>manual_review</c>.</summary>
    Escalate,

    /// <summary>Give our stock back (<see cref="Stock.IOrderStockEffects"/>).</summary>
    RestoreStock,

    /// <summary><c>POST /orders/{id}/notes</c> saying why the order was cancelled.</summary>
    AddNote,

    /// <summary><c>POST /users/{seller}/order_blacklist</c> (when <c>Fraud__BlacklistBuyer</c>).</summary>
    BlacklistBuyer,

    /// <summary>Nothing left to do after the cancellation: the case is <c>cancelled</c>.</summary>
    Complete,

    /// <summary>The fraud tag went away before we cancelled: release the hold.</summary>
    ReleaseHold,
}

/// <summary>One line of a case's history: what was done, when, and what came of it.</summary>
public sealed record FraudStepRecord(string Step, DateTimeOffset At, string Result);

/// <summary>
/// One fraud case per order (table <c>FraudCases</c>: PartitionKey seller id, RowKey order id).
/// Immutable: <see cref="FraudFlow"/> computes the next case, <see cref="FraudCaseStore"/> writes it under its ETag.
/// </summary>
public sealed record FraudCase(string SellerId, long OrderId)
{
    public FraudState State { get; init; } = FraudState.Held;

    /// <summary>The stored order is held: nothing of ours ships it.</summary>
    public bool Hold { get; init; } = true;

    public IReadOnlyList<FraudStepRecord> Steps { get; init; } = [];

    /// <summary>End of the current wait (for MeLi's own cancellation, then for <c>cancelled</c>).</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>The label was printed: a package may be packed; it must be pulled.</summary>
    public bool PullPackage { get; init; }

    /// <summary>In <c>manual_review</c>: what the seller must do.</summary>
    public string? ManualAction { get; init; }

    public bool StockRestored { get; init; }

    public bool NoteAdded { get; init; }

    public bool BuyerBlacklisted { get; init; }

    /// <summary>The step a worker is running, and until when it holds the case.</summary>
    public FraudStep? InProgress { get; init; }

    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>When a driver's wake-up for the current wait is due (the Server's delayed message), so it is sent once.</summary>
    public DateTimeOffset? WakeAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public ETag ETag { get; init; }

    public bool IsFinal => State is FraudState.Cancelled or FraudState.ManualReview or FraudState.Dismissed;

    public FraudCase With(string step, DateTimeOffset at, string result) =>
        this with { Steps = [.. Steps, new FraudStepRecord(step, at, result)], UpdatedAt = at };

    /// <summary><c>GET /api/fraud-cases/{orderId}</c>.</summary>
    public JsonObject ToApiJson() => new()
    {
        ["order_id"] = OrderId,
        ["seller_id"] = SellerId,
        ["state"] = FraudNames.Of(State),
        ["hold"] = Hold,
        ["final"] = IsFinal,
        ["pull_package"] = PullPackage,
        ["manual_action"] = ManualAction,
        ["deadline"] = Deadline,
        ["in_progress"] = InProgress is { } step ? FraudNames.Of(step) : null,
        ["stock_restored"] = StockRestored,
        ["note_added"] = NoteAdded,
        ["buyer_blacklisted"] = BuyerBlacklisted,
        ["created_at"] = CreatedAt,
        ["updated_at"] = UpdatedAt,
        ["steps"] = new JsonArray(Steps.Select(s => (JsonNode)new JsonObject { ["step"] = s.Step, ["at"] = s.At, ["result"] = s.Result }).ToArray()),
    };
}

/// <summary>The snake_case names states and steps have in storage, in the API and in logs.</summary>
public static class FraudNames
{
    public static string Of(FraudState state) => state switch
    {
        FraudState.Held => "held",
        FraudState.Inspecting => "inspecting",
        FraudState.AwaitingMeliCancel => "awaiting_meli_cancel",
        FraudState.Cancelling => "cancelling",
        FraudState.AwaitingCancelled => "awaiting_cancelled",
        FraudState.Restoring => "restoring",
        FraudState.Releasing => "releasing",
        FraudState.Cancelled => "cancelled",
        FraudState.ManualReview => "manual_review",
        FraudState.Dismissed => "dismissed",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static string Of(FraudStep step) => step switch
    {
        FraudStep.Inspect => "inspect_shipment",
        FraudStep.Cancel => "cancel",
        FraudStep.Escalate => "escalate",
        FraudStep.RestoreStock => "restore_stock",
        FraudStep.AddNote => "add_note",
        FraudStep.BlacklistBuyer => "blacklist_buyer",
        FraudStep.Complete => "complete",
        FraudStep.ReleaseHold => "release_hold",
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    public static FraudState ParseState(string name) => Enum.GetValues<FraudState>().First(s => Of(s) == name);

    public static FraudStep ParseStep(string name) => Enum.GetValues<FraudStep>().First(s => Of(s) == name);
}
