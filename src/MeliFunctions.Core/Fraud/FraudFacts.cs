using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;

namespace MeliFunctions.Fraud;

/// <summary>What the order says now (as stored by the order sync, or as just fetched).</summary>
public sealed record FraudFacts(string? OrderStatus, bool FraudTagged, long? BuyerId = null, long? ShipmentId = null, string? CancelledBy = null)
{
    public const string FraudTag = "fraud_risk_detected";

    public bool IsCancelled => OrderStatus == "cancelled";

    public static FraudFacts FromOrder(JsonObject order) => new(
        order["status"] is JsonValue s && s.TryGetValue<string>(out var status) ? status : null,
        HasFraudTag(order),
        order["buyer"]?["id"] is JsonValue b && b.TryGetValue<long>(out var buyer) ? buyer : null,
        order["shipping"]?["id"] is JsonValue i && i.TryGetValue<long>(out var shipment) ? shipment : null,
        order["cancel_detail"]?["requested_by"] is JsonValue r && r.TryGetValue<string>(out var by) ? by : null);

    public static bool HasFraudTag(JsonObject? order) =>
        order?["tags"] is JsonArray tags && tags.Any(t => t is JsonValue v && v.TryGetValue<string>(out var tag) && tag == FraudTag);
}

/// <summary>An order's shipment as <c>GET /shipments/{id}</c> (<c>x-format-new</c>) shows it.</summary>
public sealed record ShipmentFacts(string? Status, string? Substatus, string? Mode, string? LogisticType)
{
    public static ShipmentFacts FromShipment(MeliShipment shipment) =>
        new(shipment.Status, shipment.Substatus, shipment.Mode, shipment.LogisticType);
}

/// <summary>
/// What the shipment means for the flow: whether it can still be stopped, whether Mercado Libre
/// cancels by itself (Mercado Envios, label not printed), whether a package must be pulled, and,
/// when it cannot be stopped, what the seller must do.
/// </summary>
public sealed record ShipmentVerdict(bool CanStop, bool MeliCancelsItself, bool PullPackage, string Description);

/// <summary>How a step ended.</summary>
public enum FraudStepOutcome
{
    Done,

    /// <summary>Mercado Libre shows the order cancelled (by itself, the buyer, or our earlier attempt).</summary>
    AlreadyCancelled,

    /// <summary>Mercado Libre no longer tags the order as a fraud.</summary>
    TagCleared,

    /// <summary>The release found the order tagged again: the hold stays and the flow starts over.</summary>
    TaggedAgain,

    /// <summary>Cannot be done (a permanent refusal, or the attempts ran out): a person must look.</summary>
    Failed,
}

public sealed record FraudStepResult(FraudStepOutcome Outcome, string Description, ShipmentVerdict? Shipment = null)
{
    public static FraudStepResult Done(string description) => new(FraudStepOutcome.Done, description);

    public static FraudStepResult Failed(string description) => new(FraudStepOutcome.Failed, description);
}

/// <summary>The next move: a step to run, a wait until a time (or an order change), or nothing (final).</summary>
public sealed record FraudDecision(FraudState State, FraudStep? Step = null, DateTimeOffset? WaitUntil = null)
{
    public bool IsFinished => Step is null && WaitUntil is null;
}

/// <summary>What an order change means for its fraud case.</summary>
public enum FraudCaseAction
{
    Ignore,
    Open,
    Reopen,
    Wake,
}
