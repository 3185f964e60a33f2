using System.Globalization;
using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Users;

/// <summary><c>/users/{id}/order_blacklist</c> (POST/GET/DELETE) and <c>GET /currency_conversions/search</c>.</summary>
internal static class UserEndpoints
{
    /// <summary>Fixed sandbox rates: units of US dollars per unit of each currency.</summary>
    private static readonly Dictionary<string, decimal> UsdPerUnit = new(StringComparer.Ordinal)
    {
        ["USD"] = 1m,
        ["ARS"] = 0.00095m,
        ["BRL"] = 0.18m,
        ["MXN"] = 0.055m,
        ["CLP"] = 0.00105m,
        ["COP"] = 0.00025m,
        ["UYU"] = 0.025m,
        ["PEN"] = 0.27m,
    };

    public static void Map(WebApplication app)
    {
        app.MapPost("/users/{id:long}/order_blacklist", PostAsync);
        app.MapGet("/users/{id:long}/order_blacklist", Get);
        app.MapDelete("/users/{id:long}/order_blacklist/{userId:long}", Delete);
        app.MapGet("/currency_conversions/search", Convert);
    }

    private static IResult? NotSelf(long id, HttpContext context) =>
        ApiGate.SellerOf(context) == id ? null : MeliJson.Error(403, "forbidden", "The caller can only manage its own blacklist");

    private static async Task<IResult> PostAsync(long id, HttpContext context, SandboxWorld world, CancellationToken ct)
    {
        if (NotSelf(id, context) is { } forbidden)
        {
            return forbidden;
        }

        var body = await MeliJson.ReadObjectAsync(context.Request, ct);
        if (MeliJson.Long(body?["user_id"]) is not { } blocked)
        {
            return MeliJson.Error(400, "bad_request", "user_id is required");
        }

        if (blocked == id)
        {
            return MeliJson.Error(400, "bad_request", "A user can not block itself");
        }

        lock (world.Sync)
        {
            if (!world.Blacklist.Any(b => !b.Removed && b.SellerId == id && b.UserId == blocked))
            {
                world.Blacklist.Add(new BlacklistEntry(id, blocked, world.Now, false));
            }
        }
        return MeliJson.Json(new JsonObject { ["user"] = new JsonObject { ["id"] = blocked, ["blocked"] = true } });
    }

    private static IResult Get(long id, HttpContext context, SandboxWorld world)
    {
        if (NotSelf(id, context) is { } forbidden)
        {
            return forbidden;
        }

        var list = new JsonArray();
        lock (world.Sync)
        {
            foreach (var b in world.Blacklist.Where(b => !b.Removed && b.SellerId == id))
            {
                list.Add(new JsonObject { ["user"] = new JsonObject { ["id"] = b.UserId, ["blocked"] = true } });
            }
        }
        return MeliJson.Json(list);
    }

    private static IResult Delete(long id, long userId, HttpContext context, SandboxWorld world)
    {
        if (NotSelf(id, context) is { } forbidden)
        {
            return forbidden;
        }

        lock (world.Sync)
        {
            var index = world.Blacklist.FindIndex(b => !b.Removed && b.SellerId == id && b.UserId == userId);
            if (index < 0)
            {
                return MeliJson.Error(404, "not_found", $"User {userId} is not in the blacklist");
            }

            world.Blacklist[index] = world.Blacklist[index] with { Removed = true };
        }
        return MeliJson.Json(new JsonObject { ["user"] = new JsonObject { ["id"] = userId, ["blocked"] = false } });
    }

    private static IResult Convert(HttpRequest request, SandboxWorld world)
    {
        var from = request.Query["from"].ToString().ToUpperInvariant();
        var to = request.Query["to"].ToString().ToUpperInvariant();
        if (!UsdPerUnit.TryGetValue(from, out var f) || !UsdPerUnit.TryGetValue(to, out var t))
        {
            return MeliJson.Error(400, "bad_request", "from and to must be known currency ids");
        }
        var ratio = Math.Round(f / t, 7);
        var now = world.Now;
        return MeliJson.Json(new JsonObject
        {
            ["currency_base"] = from,
            ["currency_quote"] = to,
            ["ratio"] = ratio,
            ["rate"] = ratio,
            ["inv_rate"] = Math.Round(t / f, 7),
            ["creation_date"] = MeliJson.Date(now),
            ["valid_until"] = MeliJson.Date(now.AddMinutes(10)),
        });
    }
}
