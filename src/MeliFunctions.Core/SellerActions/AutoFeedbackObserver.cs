using System.Globalization;
using System.Text.Json.Nodes;
using MeliFunctions.Orders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.SellerActions;

/// <summary>
/// With <c>SellerActions__AutoFeedbackOnDelivered</c> on, gives positive feedback when an order is
/// delivered: once per order however many notifications say so, through the idempotency key
/// <c>auto-feedback:{orderId}</c>.
/// </summary>
/// <remarks>
/// Skipped when the order already shows the seller's feedback or is cancelled. MeLi's refusal (a 4xx)
/// is an answer and ends it; an answer that may pass (5xx, timeout, 429, a call still in progress)
/// is thrown, so the order sync keeps the follow-up pending and tries again with the same key.
/// </remarks>
public sealed class AutoFeedbackObserver(
    SellerActionRunner runner,
    IOptions<SellerActionsOptions> options,
    ILogger<AutoFeedbackObserver> logger) : IOrderChangeObserver
{
    public const string Source = "auto_feedback_on_delivered";

    public static string KeyFor(long orderId) => "auto-feedback:" + orderId.ToString(CultureInfo.InvariantCulture);

    public async Task OnOrderChangedAsync(OrderChange change, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.AutoFeedbackOnDelivered || !IsDeliveredWithoutFeedback(change.Order, change.Shipping))
        {
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = change.SellerId, ["OrderId"] = change.OrderId });
        var feedback = new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = settings.AutoFeedbackMessage };
        var answer = await runner.RunAsync(SellerActionsApi.FeedbackCall(change.SellerId, change.OrderId, KeyFor(change.OrderId), Source, feedback), cancellationToken);
        logger.LogInformation("Automatic feedback for delivered order {OrderId} of seller {SellerId}: {Status}", change.OrderId, change.SellerId, answer.StatusCode);
        if (answer.StatusCode >= 400 && answer.JsonBody is { } body && JsonNode.Parse(body)?["retryable"] is JsonValue retryable && retryable.TryGetValue<bool>(out var again) && again)
        {
            throw new InvalidOperationException($"automatic feedback for order {change.OrderId} not given yet ({answer.StatusCode}): {answer.JsonBody}");
        }
    }

    /// <summary>
    /// MeLi tags a delivered order <c>delivered</c>, and its shipment says <c>delivered</c> (a
    /// <c>shipments</c> notification may come first); <c>feedback.sale</c> is set once the seller gave feedback.
    /// </summary>
    internal static bool IsDeliveredWithoutFeedback(JsonObject order, OrderShipping? shipping = null) =>
        ((order["tags"] is JsonArray tags && tags.Any(t => t is JsonValue v && v.TryGetValue<string>(out var tag) && tag == "delivered")) || shipping?.Status == "delivered") &&
        order["status"]?.GetValue<string>() != "cancelled" &&
        order["feedback"]?["sale"] is null;
}
