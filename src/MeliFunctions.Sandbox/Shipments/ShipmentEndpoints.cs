using System.Globalization;
using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Shipments;

/// <summary><c>GET/PUT /shipments/{id}</c> and <c>GET /packs/{id}</c>.</summary>
internal static class ShipmentEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/shipments/{id}", Get);
        app.MapPut("/shipments/{id}", PutAsync);
        app.MapGet("/packs/{id}", GetPack);
    }

    private static (Shipment? Shipment, ApiOutcome? Error) Find(SandboxWorld world, string id, long? caller)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var shipmentId))
        {
            return (null, ApiOutcome.Fail(400, "bad_request", $"Invalid shipment id {id}"));
        }
        if (!world.Shipments.TryGetValue(shipmentId, out var s))
        {
            return (null, ApiOutcome.Fail(404, "not_found", $"Shipment {shipmentId} not found"));
        }

        if (s.SellerId != caller && s.BuyerId != caller)
        {
            return (null, ApiOutcome.Fail(403, "forbidden", "The caller is not authorized to access this shipment"));
        }

        return (s, null);
    }

    private static IResult Get(string id, HttpContext context, SandboxWorld world)
    {
        if (!string.Equals(context.Request.Headers["x-format-new"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
        {
            return MeliJson.Error(400, "bad_request", "This sandbox only serves the new shipment format: send the header x-format-new: true");
        }
        lock (world.Sync)
        {
            var (s, error) = Find(world, id, ApiGate.SellerOf(context));
            return error?.ToResult() ?? MeliJson.Json(ShipmentRenderer.Render(s!));
        }
    }

    private static async Task<IResult> PutAsync(string id, HttpContext context, SandboxWorld world, CancellationToken ct)
    {
        var body = await MeliJson.ReadObjectAsync(context.Request, ct);
        var tracking = MeliJson.String(body?["tracking_number"]);
        if (string.IsNullOrWhiteSpace(tracking) || tracking.Length > 100)
        {
            return MeliJson.Error(400, "bad_request", "tracking_number is required (at most 100 characters)");
        }
        lock (world.Sync)
        {
            var (s, error) = Find(world, id, ApiGate.SellerOf(context));
            if (error is not null)
            {
                return error.ToResult();
            }

            if (s!.Status is "cancelled" or "delivered")
            {
                return MeliJson.Error(400, "bad_request", $"The shipment is {s.Status}");
            }

            s.TrackingNumber = tracking;
            s.TrackingMethod = MeliJson.String(body?["tracking_method"]) ?? s.TrackingMethod ?? "custom";
            s.LastUpdated = world.NextStamp(s.LastUpdated);
            world.Notify("shipments", $"/shipments/{s.Id}", s.SellerId);
            return MeliJson.Json(ShipmentRenderer.Render(s));
        }
    }

    private static IResult GetPack(string id, HttpContext context, SandboxWorld world)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var packId))
        {
            return MeliJson.Error(400, "bad_request", $"Invalid pack id {id}");
        }

        lock (world.Sync)
        {
            if (!world.Packs.TryGetValue(packId, out var p))
            {
                return MeliJson.Error(404, "not_found", $"Pack {packId} not found");
            }

            var caller = ApiGate.SellerOf(context);
            if (p.SellerId != caller && p.BuyerId != caller)
            {
                return MeliJson.Error(403, "forbidden", "The caller is not authorized to access this pack");
            }

            return MeliJson.Json(ShipmentRenderer.RenderPack(p, world));
        }
    }
}
