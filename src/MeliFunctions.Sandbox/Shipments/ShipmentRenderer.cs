using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Shipments;

/// <summary>Renders a shipment in the <c>x-format-new: true</c> shape, and a pack.</summary>
internal static class ShipmentRenderer
{
    public static JsonObject Render(Shipment s)
    {
        var orders = new JsonArray();
        foreach (var id in s.OrderIds)
        {
            orders.Add(new JsonObject { ["id"] = id });
        }

        return new JsonObject
        {
            ["id"] = s.Id,
            ["external_reference"] = null,
            ["status"] = s.Status,
            ["substatus"] = s.Substatus,
            ["date_created"] = MeliJson.Date(s.DateCreated),
            ["last_updated"] = MeliJson.Date(s.LastUpdated),
            ["declared_value"] = null,
            ["tracking_number"] = s.TrackingNumber,
            ["tracking_method"] = s.TrackingMethod,
            ["order_id"] = s.OrderIds.Count > 0 ? s.OrderIds[0] : null,
            ["orders"] = orders,
            ["logistic_type"] = s.LogisticType,
            ["logistic"] = new JsonObject { ["direction"] = "forward", ["mode"] = s.Mode, ["type"] = s.LogisticType },
            ["source"] = new JsonObject { ["site_id"] = s.SiteId, ["market_place"] = "MELI", ["application_id"] = null },
            ["lead_time"] = new JsonObject
            {
                ["cost"] = s.Cost,
                ["cost_type"] = s.Cost == 0 ? "free" : "charged",
                ["list_cost"] = s.Cost,
                ["currency_id"] = s.CurrencyId,
                ["shipping_method"] = new JsonObject { ["id"] = 73328, ["name"] = "Normal", ["type"] = "standard", ["deliver_to"] = "address" },
                ["service_id"] = null,
                ["estimated_delivery_time"] = new JsonObject { ["date"] = MeliJson.Date(s.DateCreated.AddDays(5)) },
            },
            ["status_history"] = new JsonObject
            {
                ["date_ready_to_ship"] = MeliJson.Date(s.DateReadyToShip),
                ["date_shipped"] = MeliJson.Date(s.DateShipped),
                ["date_delivered"] = MeliJson.Date(s.DateDelivered),
                ["date_cancelled"] = MeliJson.Date(s.DateCancelled),
                ["date_returned"] = MeliJson.Date(s.DateReturned),
            },
            ["tags"] = new JsonArray(),
            ["sender_id"] = s.SellerId,
            ["receiver_id"] = s.BuyerId,
        };
    }

    public static JsonObject RenderPack(Pack p, SandboxWorld world)
    {
        var orders = new JsonArray();
        foreach (var id in p.OrderIds)
        {
            orders.Add(new JsonObject { ["id"] = id });
        }

        var statuses = p.OrderIds.Select(id => world.Orders[id].Status).Distinct().ToList();
        var status = statuses.All(s => s == "cancelled") ? "cancelled" : statuses.Contains("cancelled") ? "error" : "released";
        var last = p.OrderIds.Select(id => world.Orders[id].LastUpdated).Max();
        return new JsonObject
        {
            ["id"] = p.Id,
            ["status"] = status,
            ["status_detail"] = statuses.Count > 1 ? "orders_with_different_status" : null,
            ["shipment"] = p.ShipmentId is { } sid ? new JsonObject { ["id"] = sid } : null,
            ["orders"] = orders,
            ["buyer"] = new JsonObject { ["id"] = p.BuyerId },
            ["family_pack_id"] = null,
            ["date_created"] = MeliJson.Date(p.DateCreated),
            ["last_updated"] = MeliJson.Date(last),
        };
    }
}
