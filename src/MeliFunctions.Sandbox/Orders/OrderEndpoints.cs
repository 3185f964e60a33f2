using System.Globalization;
using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.Faults;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Orders;

/// <summary><c>GET /orders/{id}</c>, <c>/discounts</c> and <c>/product</c>.</summary>
internal static class OrderEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/orders/{id}", Get);
        app.MapGet("/orders/{id}/discounts", Discounts);
        app.MapGet("/orders/{id}/product", Product);
    }

    /// <summary>Finds an order the caller may see, or the MeLi error for why not. Under the world lock.</summary>
    public static (Order? Order, ApiOutcome? Error) Find(SandboxWorld world, string id, long? caller)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return (null, ApiOutcome.Fail(400, "empty_order_id", "Order ID can not be empty."));
        }

        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var orderId))
        {
            return (null, ApiOutcome.Fail(400, "invalid_order_id", $"Invalid order ID. {id}"));
        }
        if (!world.Orders.TryGetValue(orderId, out var order))
        {
            return (null, ApiOutcome.Fail(404, "order_not_found", $"Order not found. {orderId}"));
        }

        if (caller != order.SellerId && caller != order.BuyerId)
        {
            return (null, ApiOutcome.Fail(403, "not_owned_order", "The user has not access to the order."));
        }
        return (order, null);
    }

    private static IResult Get(string id, HttpContext context, SandboxWorld world, FaultBook faults)
    {
        var caller = ApiGate.SellerOf(context);
        var active = faults.For(caller);
        JsonObject body;
        lock (world.Sync)
        {
            var (order, error) = Find(world, id, caller);
            if (error is not null)
            {
                return error.ToResult();
            }

            var stale = active.StaleReadMs > 0 && order!.Previous is not null && world.Now - order.ChangedAt < TimeSpan.FromMilliseconds(active.StaleReadMs);
            body = stale ? (JsonObject)order!.Previous!.DeepClone() : OrderRenderer.Render(order!, world);
        }
        if (faults.Roll(active.Rate206))
        {
            body["buyer"] = new JsonObject();
            body["payments"] = new JsonArray();
            context.Response.Headers["X-Content-Missing"] = "buyer,payments";
            return MeliJson.Json(body, 206);
        }
        return MeliJson.Json(body);
    }

    private static IResult Discounts(string id, HttpContext context, SandboxWorld world)
    {
        lock (world.Sync)
        {
            var (order, error) = Find(world, id, ApiGate.SellerOf(context));
            if (error is not null)
            {
                return error.ToResult();
            }

            var details = new JsonArray();
            if (order!.CouponId is not null && order.CouponAmount > 0)
            {
                var items = new JsonArray();
                foreach (var l in order.Lines)
                {
                    var share = order.TotalAmount == 0 ? 0 : Math.Round(order.CouponAmount * l.UnitPrice * l.Quantity / order.TotalAmount, 2);
                    items.Add(new JsonObject { ["id"] = l.ItemId, ["quantity"] = l.Quantity, ["amounts"] = new JsonObject { ["total"] = share, ["seller"] = 0 } });
                }
                details.Add(new JsonObject
                {
                    ["type"] = "coupon",
                    ["coupon"] = new JsonObject { ["id"] = order.CouponId },
                    ["supplier"] = new JsonObject { ["meli_campaign"] = "P-" + MeliJson.SiteOf(order.CurrencyId) + "0000001" },
                    ["items"] = items,
                });
            }
            return MeliJson.Json(new JsonObject { ["details"] = details });
        }
    }

    private static IResult Product(string id, HttpContext context, SandboxWorld world)
    {
        lock (world.Sync)
        {
            var (_, error) = Find(world, id, ApiGate.SellerOf(context));
            if (error is not null)
            {
                return error.ToResult();
            }

            return MeliJson.Json(new JsonObject { ["attributes"] = new JsonArray() });
        }
    }
}
