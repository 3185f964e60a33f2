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
/// Skipped when the order already shows the seller's feedback or is cancelled. A failure is logged,
/// not thrown (the order is stored; a transient failure releases the key and the next change of the
/// order tries again).
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
        if (!settings.AutoFeedbackOnDelivered || !IsDeliveredWithoutFeedback(change.Order))
        {
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = change.SellerId, ["OrderId"] = change.OrderId });
        try
        {
            var feedback = new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = settings.AutoFeedbackMessage };
            var answer = await runner.RunAsync(SellerActionsApi.FeedbackCall(change.SellerId, change.OrderId, KeyFor(change.OrderId), Source, feedback), cancellationToken);
            logger.LogInformation("Automatic feedback for delivered order {OrderId} of seller {SellerId}: {Status}", change.OrderId, change.SellerId, answer.StatusCode);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Automatic feedback for order {OrderId} of seller {SellerId} not given now; the next change of the order tries again", change.OrderId, change.SellerId);
        }
    }

    /// <summary>MeLi tags a delivered order <c>delivered</c>; <c>feedback.sale</c> is set once the seller gave feedback.</summary>
    internal static bool IsDeliveredWithoutFeedback(JsonObject order) =>
        order["tags"] is JsonArray tags && tags.Any(t => t is JsonValue v && v.TryGetValue<string>(out var tag) && tag == "delivered") &&
        order["status"]?.GetValue<string>() != "cancelled" &&
        order["feedback"]?["sale"] is null;
}
