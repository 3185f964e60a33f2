using System.Text.Json.Nodes;
using MeliFunctions.Orders;

namespace MeliFunctions.SellerActions;

/// <summary>
/// <c>_sync.actions</c> in <c>GET /api/orders/{id}</c>: every seller action on the order and its outcome,
/// oldest first, plus the tracking number and feedback that Mercado Libre accepted.
/// </summary>
public sealed class OrderActionsSection(ActionRecordStore records) : IOrderApiSection
{
    public string Name => "actions";

    public async Task<JsonNode?> ReadAsync(StoredOrder order, CancellationToken cancellationToken)
    {
        var rows = await records.ListForOrderAsync(order.OrderId, cancellationToken);
        var accepted = rows.Where(r => r.State == ActionStates.Done).ToList();
        return new JsonObject
        {
            ["tracking_number"] = OrderActionRow.Parse(accepted.LastOrDefault(r => r.Operation == "tracking_number")?.Request)?["tracking_number"]?.DeepClone(),
            ["feedback"] = OrderActionRow.Parse(accepted.LastOrDefault(r => r.Operation == "feedback")?.Request),
            ["history"] = new JsonArray(rows.Select(r => (JsonNode)r.ToJson()).ToArray()),
        };
    }
}
