using System.Globalization;
using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Items;

/// <summary>Creates listings for the admin API. Under the world lock.</summary>
internal static class ItemFactory
{
    public static ApiOutcome Create(SandboxWorld world, JsonObject body)
    {
        if (MeliJson.Long(body["seller_id"]) is not { } sellerId || !world.Users.TryGetValue(sellerId, out var seller) || !seller.IsSeller)
        {
            return ApiOutcome.Fail(400, "bad_request", "seller_id must be an existing seller");
        }
        var title = MeliJson.String(body["title"]);
        if (string.IsNullOrWhiteSpace(title))
        {
            return ApiOutcome.Fail(400, "bad_request", "title is required");
        }

        var price = MeliJson.Decimal(body["price"]) ?? 0m;
        if (price <= 0)
        {
            return ApiOutcome.Fail(400, "bad_request", "price must be positive");
        }

        var status = MeliJson.String(body["status"]) ?? "active";
        if (status is not ("active" or "paused" or "closed" or "under_review"))
        {
            return ApiOutcome.Fail(400, "bad_request", "status must be active, paused, closed or under_review");
        }

        var currency = MeliJson.String(body["currency_id"]) ?? "ARS";
        var site = MeliJson.SiteOf(currency);
        var quantity = MeliJson.Int(body["available_quantity"]) ?? 0;
        if (quantity < 0)
        {
            return ApiOutcome.Fail(400, "bad_request", "available_quantity must not be negative");
        }

        string id;
        do
        {
            id = site + world.Ids.NextItemNumber().ToString(CultureInfo.InvariantCulture);
        }
        while (world.Items.ContainsKey(id));
        var now = world.Now;
        var item = new Item
        {
            Id = id,
            SellerId = sellerId,
            Title = title,
            Price = price,
            CurrencyId = currency,
            SiteId = site,
            CategoryId = MeliJson.String(body["category_id"]) ?? site + "3530",
            ListingTypeId = MeliJson.String(body["listing_type_id"]) ?? "gold_special",
            Condition = MeliJson.String(body["condition"]) ?? "new",
            Warranty = MeliJson.String(body["warranty"]),
            SellerSku = MeliJson.String(body["seller_sku"]),
            SellerCustomField = MeliJson.String(body["seller_custom_field"]),
            OwnQuantity = quantity,
            Status = status,
            DateCreated = now,
            LastUpdated = now,
        };
        if (body["variations"] is JsonArray variations)
        {
            foreach (var v in variations)
            {
                var vq = MeliJson.Int(v?["available_quantity"]) ?? 0;
                if (vq < 0)
                {
                    return ApiOutcome.Fail(400, "bad_request", "variation available_quantity must not be negative");
                }

                item.Variations.Add(new Variation
                {
                    Id = world.Ids.NextVariation(),
                    AvailableQuantity = vq,
                    Price = MeliJson.Decimal(v?["price"]) ?? price,
                    AttributeCombinations = v?["attribute_combinations"]?.DeepClone() as JsonArray ?? [],
                    SellerCustomField = MeliJson.String(v?["seller_custom_field"]),
                });
            }
        }
        if (item.Status == "active" && item.AvailableQuantity == 0)
        {
            item.Status = "paused";
            item.SubStatus.Add("out_of_stock");
        }
        world.Items[id] = item;
        return ApiOutcome.Ok(ItemRenderer.Render(item), 201);
    }
}
