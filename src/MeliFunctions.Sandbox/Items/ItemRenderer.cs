using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Items;

/// <summary>Renders a listing like <c>GET /items/{id}</c>.</summary>
internal static class ItemRenderer
{
    public static JsonObject Render(Item i)
    {
        var variations = new JsonArray();
        foreach (var v in i.Variations)
        {
            variations.Add(new JsonObject
            {
                ["id"] = v.Id,
                ["price"] = v.Price,
                ["attribute_combinations"] = v.AttributeCombinations.DeepClone(),
                ["available_quantity"] = v.AvailableQuantity,
                ["sold_quantity"] = v.SoldQuantity,
                ["picture_ids"] = new JsonArray(),
                ["seller_custom_field"] = v.SellerCustomField,
            });
        }
        var subStatus = new JsonArray();
        foreach (var s in i.SubStatus)
        {
            subStatus.Add(s);
        }

        return new JsonObject
        {
            ["id"] = i.Id,
            ["site_id"] = i.SiteId,
            ["title"] = i.Title,
            ["seller_id"] = i.SellerId,
            ["category_id"] = i.CategoryId,
            ["price"] = i.Price,
            ["base_price"] = i.Price,
            ["original_price"] = null,
            ["currency_id"] = i.CurrencyId,
            ["initial_quantity"] = i.AvailableQuantity + i.SoldQuantity,
            ["available_quantity"] = i.AvailableQuantity,
            ["sold_quantity"] = i.SoldQuantity,
            ["buying_mode"] = "buy_it_now",
            ["listing_type_id"] = i.ListingTypeId,
            ["condition"] = i.Condition,
            ["permalink"] = $"https://articulo.mercadolibre.com.ar/{i.Id[..3]}-{i.Id[3..]}",
            ["status"] = i.Status,
            ["sub_status"] = subStatus,
            ["warranty"] = i.Warranty,
            ["seller_custom_field"] = i.SellerCustomField,
            ["variations"] = variations,
            ["date_created"] = MeliJson.Date(i.DateCreated),
            ["last_updated"] = MeliJson.Date(i.LastUpdated),
        };
    }
}
