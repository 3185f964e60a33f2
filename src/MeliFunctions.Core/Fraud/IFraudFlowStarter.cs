using System.Text.Json.Nodes;
using MeliFunctions.Storage;

namespace MeliFunctions.Fraud;

/// <summary>Starts the order's fraud flow, or wakes it when the order changed. A second start is a no-op.</summary>
public interface IFraudFlowStarter
{
    Task StartOrWakeAsync(string sellerId, long orderId, CancellationToken cancellationToken);
}

/// <summary>A message of the <c>fraud-steps</c> queue: which case, and why it was sent.</summary>
public sealed record FraudMessage(string SellerId, long OrderId, string Kind)
{
    /// <summary>A timer: the deadline it was sent for.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The order changed (or a case was opened).</summary>
    public const string Wake = "wake";

    /// <summary>The Server driver: run the next step.</summary>
    public const string Step = "step";

    /// <summary>The Server driver: a wait is over.</summary>
    public const string Timer = "timer";

    public string ToJson()
    {
        var json = new JsonObject { ["seller_id"] = SellerId, ["order_id"] = OrderId, ["kind"] = Kind };
        if (Until is { } until)
        {
            json["until"] = until;
        }

        return json.ToJsonString();
    }

    public static FraudMessage? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject o &&
                   o["seller_id"] is JsonValue s && s.TryGetValue<string>(out var seller) && seller.Length > 0 &&
                   o["order_id"] is JsonValue i && i.TryGetValue<long>(out var order)
                ? new FraudMessage(seller, order, o["kind"] is JsonValue k && k.TryGetValue<string>(out var kind) ? kind : Wake)
                {
                    Until = o["until"] is JsonValue u && u.TryGetValue<DateTimeOffset>(out var until) ? until : null,
                }
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Both hosts start and wake the flow through the <c>fraud-steps</c> queue: the Server's driver
/// pumps it, and the App's queue function starts (or raises an event on) the Durable orchestration.
/// Enqueueing keeps the order sync quick and free of host types; the hold is already stored.
/// </summary>
public sealed class QueueFraudFlowStarter(StorageClients storage) : IFraudFlowStarter
{
    public Task StartOrWakeAsync(string sellerId, long orderId, CancellationToken cancellationToken) =>
        storage.Queue(StorageNames.FraudStepsQueue).SendMessageAsync(new FraudMessage(sellerId, orderId, FraudMessage.Wake).ToJson(), cancellationToken);
}
