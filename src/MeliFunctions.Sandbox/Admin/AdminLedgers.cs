using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Admin;

/// <summary>Read-only ledgers of what sellers did: feedback given, stock changes, notes, blacklist.</summary>
internal static class AdminLedgers
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/feedback", (SandboxWorld world) =>
        {
            lock (world.Sync)
            {
                return MeliJson.Json(AdminEndpoints.ToArray(world.Feedbacks.Select(f => (JsonNode)new JsonObject
                {
                    ["id"] = f.Id,
                    ["order_id"] = f.OrderId,
                    ["seller_id"] = f.SellerId,
                    ["fulfilled"] = f.Fulfilled,
                    ["rating"] = f.Rating,
                    ["message"] = f.Message,
                    ["reason"] = f.Reason,
                    ["restock_item"] = f.RestockItem,
                    ["date_created"] = MeliJson.Date(f.DateCreated),
                })));
            }
        });
        admin.MapGet("/stock-updates", (SandboxWorld world) =>
        {
            lock (world.Sync)
            {
                return MeliJson.Json(AdminEndpoints.ToArray(world.StockUpdates.Select(u => (JsonNode)new JsonObject
                {
                    ["item_id"] = u.ItemId,
                    ["variation_id"] = u.VariationId,
                    ["seller_id"] = u.SellerId,
                    ["before"] = u.Before,
                    ["after"] = u.After,
                    ["source"] = u.Source,
                    ["date"] = MeliJson.Date(u.Date),
                })));
            }
        });
        admin.MapGet("/notes", (SandboxWorld world) =>
        {
            lock (world.Sync)
            {
                return MeliJson.Json(AdminEndpoints.ToArray(world.Notes.Values.SelectMany(n => n).Select(n => (JsonNode)new JsonObject
                {
                    ["id"] = n.Id,
                    ["order_id"] = n.OrderId,
                    ["note"] = n.Text,
                    ["deleted"] = n.Deleted,
                    ["date_created"] = MeliJson.Date(n.DateCreated),
                    ["date_last_updated"] = MeliJson.Date(n.DateLastUpdated),
                })));
            }
        });
        admin.MapGet("/blacklist", (SandboxWorld world) =>
        {
            lock (world.Sync)
            {
                return MeliJson.Json(AdminEndpoints.ToArray(world.Blacklist.Select(b => (JsonNode)new JsonObject
                {
                    ["seller_id"] = b.SellerId,
                    ["user_id"] = b.UserId,
                    ["removed"] = b.Removed,
                    ["date"] = MeliJson.Date(b.Date),
                })));
            }
        });
    }
}
