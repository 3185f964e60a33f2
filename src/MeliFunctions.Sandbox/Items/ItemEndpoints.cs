using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Items;

/// <summary><c>GET /items/{id}</c>, multiget <c>GET /items?ids=</c> (20 at most) and <c>PUT /items/{id}</c> (stock, variations, status).</summary>
internal static class ItemEndpoints
{
    private const int MaxIds = 20;

    public static void Map(WebApplication app)
    {
        app.MapGet("/items/{id}", Get);
        app.MapGet("/items", MultiGet);
        app.MapPut("/items/{id}", PutAsync);
    }

    private static IResult NotFound(string id) => MeliJson.Error(404, "not_found", $"Item with id {id} not found");

    private static IResult Get(string id, SandboxWorld world)
    {
        lock (world.Sync)
        {
            return world.Items.TryGetValue(id, out var item) ? MeliJson.Json(ItemRenderer.Render(item)) : NotFound(id);
        }
    }

    private static IResult MultiGet(HttpRequest request, SandboxWorld world)
    {
        var ids = request.Query["ids"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids.Length == 0)
        {
            return MeliJson.Error(400, "bad_request", "ids is required");
        }

        if (ids.Length > MaxIds)
        {
            return MeliJson.Error(400, "bad_request", $"Too many ids: at most {MaxIds}");
        }

        var attributes = request.Query["attributes"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new JsonArray();
        lock (world.Sync)
        {
            foreach (var id in ids)
            {
                if (!world.Items.TryGetValue(id, out var item))
                {
                    result.Add(new JsonObject { ["code"] = 404, ["body"] = MeliJson.ErrorBody(404, "not_found", $"Item with id {id} not found") });
                    continue;
                }
                var body = ItemRenderer.Render(item);
                if (attributes.Length > 0)
                {
                    foreach (var key in body.Select(p => p.Key).ToList().Where(k => !attributes.Contains(k)))
                    {
                        body.Remove(key);
                    }
                }
                result.Add(new JsonObject { ["code"] = 200, ["body"] = body });
            }
        }
        return MeliJson.Json(result);
    }

    private static async Task<IResult> PutAsync(string id, HttpContext context, SandboxWorld world, CancellationToken ct)
    {
        if (await MeliJson.ReadObjectAsync(context.Request, ct) is not { } body)
        {
            return MeliJson.Error(400, "bad_request", "the body must be a JSON object");
        }

        lock (world.Sync)
        {
            if (!world.Items.TryGetValue(id, out var item))
            {
                return NotFound(id);
            }

            if (item.SellerId != ApiGate.SellerOf(context))
            {
                return MeliJson.Error(403, "forbidden", "User does not have permission to update this item");
            }

            if (item.Status is "closed" or "under_review")
            {
                return MeliJson.Error(400, "item.status.invalid", $"Item is {item.Status} and can not be updated");
            }

            // Validate everything first, so a bad request changes nothing.
            int? quantity = null;
            if (body.ContainsKey("available_quantity"))
            {
                quantity = MeliJson.Int(body["available_quantity"]);
                if (quantity is null or < 0)
                {
                    return Validation("item.available_quantity.invalid", "available_quantity must be a non-negative integer");
                }

                if (item.Variations.Count > 0)
                {
                    return Validation("item.available_quantity.invalid", "The item has variations: update available_quantity in variations");
                }
            }
            var variationUpdates = new List<(Variation Variation, int? Quantity, decimal? Price)>();
            if (body["variations"] is JsonArray variations)
            {
                foreach (var v in variations)
                {
                    var vid = MeliJson.Long(v?["id"]);
                    var variation = item.Variations.FirstOrDefault(x => x.Id == vid);
                    if (variation is null)
                    {
                        return Validation("item.variations.id.invalid", $"Variation {vid} does not belong to item {item.Id}");
                    }

                    int? vq = null;
                    if (v!["available_quantity"] is not null)
                    {
                        vq = MeliJson.Int(v["available_quantity"]);
                        if (vq is null or < 0)
                        {
                            return Validation("item.variations.available_quantity.invalid", "available_quantity must be a non-negative integer");
                        }
                    }
                    var vp = MeliJson.Decimal(v["price"]);
                    if (vp is <= 0)
                    {
                        return Validation("item.variations.price.invalid", "price must be positive");
                    }

                    variationUpdates.Add((variation, vq, vp));
                }
            }
            else if (body.ContainsKey("variations"))
            {
                return Validation("item.variations.invalid", "variations must be an array");
            }
            var status = MeliJson.String(body["status"]);
            if (status is not null && status is not ("active" or "paused" or "closed"))
            {
                return Validation("item.status.invalid", "status must be active, paused or closed");
            }
            var price = MeliJson.Decimal(body["price"]);
            if (body.ContainsKey("price") && price is null or <= 0)
            {
                return Validation("item.price.invalid", "price must be positive");
            }

            if (price is not null)
            {
                item.Price = price.Value;
            }

            var source = $"PUT /items/{item.Id}";
            var stockChanged = false;
            if (quantity is not null && quantity != item.OwnQuantity)
            {
                Stock.Set(world, item, null, quantity.Value, source);
                stockChanged = true;
            }
            foreach (var (variation, vq, vp) in variationUpdates)
            {
                if (vp is not null)
                {
                    variation.Price = vp.Value;
                }

                if (vq is not null && vq != variation.AvailableQuantity)
                {
                    Stock.Set(world, item, variation.Id, vq.Value, source);
                    stockChanged = true;
                }
            }
            if (status is not null && status != item.Status)
            {
                if (status == "active" && item.AvailableQuantity == 0)
                {
                    return Validation("item.status.invalid", "An item without stock can not be activated");
                }

                item.Status = status;
                item.SubStatus.Clear();
                if (!stockChanged)
                {
                    world.Notify("items", $"/items/{item.Id}", item.SellerId);
                }
            }
            item.LastUpdated = world.NextStamp(item.LastUpdated);
            return MeliJson.Json(ItemRenderer.Render(item));
        }
    }

    private static IResult Validation(string code, string message) =>
        MeliJson.Error(400, "validation_error", message, [new JsonObject { ["code"] = code, ["message"] = message, ["type"] = "error" }]);
}
