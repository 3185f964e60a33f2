using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Orders;

/// <summary>
/// <c>POST/GET /orders/{id}/feedback</c>. The seller gives feedback once; <c>fulfilled:false</c> is how a
/// seller cancels a sale (MeLi cancels it, refunds, gives the stock back and notifies).
/// </summary>
internal static class FeedbackEndpoints
{
    private static readonly string[] Ratings = ["positive", "neutral", "negative"];

    public static void Map(WebApplication app)
    {
        app.MapPost("/orders/{id}/feedback", PostAsync);
        app.MapGet("/orders/{id}/feedback", Get);
    }

    private static JsonObject Render(Feedback f) => new()
    {
        ["id"] = f.Id,
        ["order_id"] = f.OrderId,
        ["role"] = "seller",
        ["from"] = new JsonObject { ["id"] = f.SellerId },
        ["fulfilled"] = f.Fulfilled,
        ["rating"] = f.Rating,
        ["message"] = f.Message,
        ["reason"] = f.Reason,
        ["restock_item"] = f.RestockItem,
        ["status"] = "active",
        ["date_created"] = MeliJson.Date(f.DateCreated),
    };

    private static async Task<IResult> PostAsync(string id, HttpContext context, SandboxWorld world, OrderLifecycle lifecycle, CancellationToken ct)
    {
        var body = await MeliJson.ReadObjectAsync(context.Request, ct);
        var fulfilled = MeliJson.Bool(body?["fulfilled"]);
        var reason = MeliJson.String(body?["reason"]);
        if (fulfilled is null || (fulfilled == false && string.IsNullOrWhiteSpace(reason)))
        {
            return MeliJson.Error(400, "invalid_fulfilled", "'fulfilled' parameter must be true or false (and reason is required when it is false)");
        }
        var rating = MeliJson.String(body?["rating"]);
        if (rating is not null && !Ratings.Contains(rating))
        {
            return MeliJson.Error(400, "invalid_rating", "rating must be positive, neutral or negative");
        }

        var message = MeliJson.String(body?["message"]);
        if (message?.Length > 160)
        {
            return MeliJson.Error(400, "invalid_message", "message must have at most 160 characters");
        }

        lock (world.Sync)
        {
            var (order, error) = OrderEndpoints.Find(world, id, ApiGate.SellerOf(context));
            if (error is not null)
            {
                return error.ToResult();
            }

            var o = order!;
            if (o.SellerId != ApiGate.SellerOf(context))
            {
                return MeliJson.Error(403, "not_owned_order", "Only the seller gives this feedback.");
            }

            if (o.SaleFeedback is not null)
            {
                return MeliJson.Error(400, "feedback_already_exists", "The feedback for this order was already given.");
            }

            if (o.Status == "payment_required")
            {
                return MeliJson.Error(400, "bad_request", "The order is not paid yet.");
            }

            var feedback = new Feedback
            {
                Id = world.Ids.NextFeedback(),
                OrderId = o.Id,
                SellerId = o.SellerId,
                Fulfilled = fulfilled.Value,
                Rating = rating ?? (fulfilled.Value ? "positive" : "neutral"),
                Message = message,
                Reason = reason,
                RestockItem = MeliJson.Bool(body?["restock_item"]),
                DateCreated = world.Now,
            };
            world.Feedbacks.Add(feedback);
            o.Previous = OrderRenderer.Render(o, world);
            o.ChangedAt = world.Now;
            o.SaleFeedback = feedback;
            o.Fulfilled = fulfilled.Value;
            if (!fulfilled.Value && o.Status != "cancelled")
            {
                lifecycle.CancelCore(o, "seller", reason!, message ?? "The seller did not complete the sale", "seller", null);
            }
            else
            {
                o.LastUpdated = world.NextStamp(o.LastUpdated);
                world.Notify("orders_v2", $"/orders/{o.Id}", o.SellerId);
            }
            return MeliJson.Json(Render(feedback), 201);
        }
    }

    private static IResult Get(string id, HttpContext context, SandboxWorld world)
    {
        lock (world.Sync)
        {
            var (order, error) = OrderEndpoints.Find(world, id, ApiGate.SellerOf(context));
            if (error is not null)
            {
                return error.ToResult();
            }

            return MeliJson.Json(new JsonObject
            {
                ["sale"] = order!.SaleFeedback is { } f ? Render(f) : null,
                ["purchase"] = null,
            });
        }
    }
}
