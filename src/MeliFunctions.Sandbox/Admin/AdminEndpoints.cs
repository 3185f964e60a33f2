using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.Faults;
using MeliFunctions.Sandbox.Items;
using MeliFunctions.Sandbox.OAuth;
using MeliFunctions.Sandbox.Orders;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Admin;

/// <summary>The admin API under <c>/_sandbox</c>: build the world, drive orders, inject faults, read what happened. No auth.</summary>
internal static class AdminEndpoints
{
    public static void Map(WebApplication app)
    {
        var admin = app.MapGroup("/_sandbox");
        admin.MapPost("/sellers", CreateSellerAsync);
        admin.MapPost("/sellers/{id:long}/authorization-codes", CreateCodeAsync);
        admin.MapPost("/items", CreateItemAsync);
        admin.MapGet("/items/{id}", GetItem);
        admin.MapPost("/orders", CreateOrderAsync);
        admin.MapGet("/orders/{id:long}", GetOrder);
        admin.MapPost("/orders/{id:long}/actions/{action}", ActAsync);
        admin.MapPost("/notify", NotifyAsync);
        admin.MapGet("/config", GetConfig);
        admin.MapPut("/config", PutConfigAsync);
        admin.MapGet("/faults", (FaultBook faults) => MeliJson.Json(faults.ToJson()));
        admin.MapPut("/faults", PutFaultsAsync);
        admin.MapDelete("/faults", (FaultBook faults) =>
        {
            faults.Reset();
            return MeliJson.Json(faults.ToJson());
        });
        admin.MapGet("/requests", GetRequests);
        admin.MapGet("/notifications", (SandboxWorld world) => MeliJson.Json(ToArray(world.Notifications.Snapshot())));
        AdminLedgers.Map(admin);
    }

    public static JsonArray ToArray(IEnumerable<JsonNode?> nodes)
    {
        var array = new JsonArray();
        foreach (var n in nodes)
        {
            array.Add(n);
        }

        return array;
    }

    private static IResult BadBody() => MeliJson.Error(400, "bad_request", "the body must be a JSON object");

    private static async Task<IResult> CreateSellerAsync(HttpRequest request, SandboxWorld world, CancellationToken ct)
    {
        var body = await MeliJson.ReadObjectAsync(request, ct) ?? [];
        var nickname = MeliJson.String(body["nickname"]);
        var id = MeliJson.Long(body["id"]);
        lock (world.Sync)
        {
            if (id is { } given && world.Users.ContainsKey(given))
            {
                return MeliJson.Error(409, "conflict", $"user {given} exists");
            }

            var user = world.AddUser(id, nickname ?? $"TESTSELLER{world.Users.Count + 1}", seller: true);
            return MeliJson.Json(new JsonObject { ["id"] = user.Id, ["nickname"] = user.Nickname }, 201);
        }
    }

    private static async Task<IResult> CreateCodeAsync(long id, HttpRequest request, SandboxWorld world, TokenStore tokens, CancellationToken ct)
    {
        var body = await MeliJson.ReadObjectAsync(request, ct);
        var redirect = MeliJson.String(body?["redirect_uri"]);
        if (string.IsNullOrWhiteSpace(redirect))
        {
            return MeliJson.Error(400, "bad_request", "redirect_uri is required");
        }

        lock (world.Sync)
        {
            if (!world.Users.TryGetValue(id, out var user) || !user.IsSeller)
            {
                return MeliJson.Error(404, "not_found", $"seller {id} not found");
            }

            return MeliJson.Json(new JsonObject { ["code"] = tokens.IssueCode(id, redirect) }, 201);
        }
    }

    private static async Task<IResult> CreateItemAsync(HttpRequest request, SandboxWorld world, CancellationToken ct)
    {
        if (await MeliJson.ReadObjectAsync(request, ct) is not { } body)
        {
            return BadBody();
        }

        lock (world.Sync)
        {
            return ItemFactory.Create(world, body).ToResult();
        }
    }

    private static IResult GetItem(string id, SandboxWorld world)
    {
        lock (world.Sync)
        {
            return world.Items.TryGetValue(id, out var item)
                ? MeliJson.Json(ItemRenderer.Render(item))
                : MeliJson.Error(404, "not_found", $"Item with id {id} not found");
        }
    }

    private static async Task<IResult> CreateOrderAsync(HttpRequest request, SandboxWorld world, OrderLifecycle lifecycle, CancellationToken ct)
    {
        if (await MeliJson.ReadObjectAsync(request, ct) is not { } body)
        {
            return BadBody();
        }

        lock (world.Sync)
        {
            return lifecycle.Create(body).ToResult();
        }
    }

    private static IResult GetOrder(long id, SandboxWorld world)
    {
        lock (world.Sync)
        {
            return world.Orders.TryGetValue(id, out var order)
                ? MeliJson.Json(OrderRenderer.Render(order, world))
                : MeliJson.Error(404, "order_not_found", $"Order not found. {id}");
        }
    }

    private static async Task<IResult> ActAsync(long id, string action, HttpRequest request, SandboxWorld world, OrderLifecycle lifecycle, CancellationToken ct)
    {
        var body = await MeliJson.ReadObjectAsync(request, ct);
        lock (world.Sync)
        {
            return lifecycle.Act(id, action, body).ToResult();
        }
    }

    private static async Task<IResult> NotifyAsync(HttpRequest request, SandboxWorld world, CancellationToken ct)
    {
        if (await MeliJson.ReadObjectAsync(request, ct) is not { } body)
        {
            return BadBody();
        }

        var resource = MeliJson.String(body["resource"]);
        var topic = MeliJson.String(body["topic"]) ?? "orders_v2";
        var userId = MeliJson.Long(body["user_id"]);
        var times = MeliJson.Int(body["times"]) ?? 1;
        if (resource is null || userId is null || times is < 1 or > 1000)
        {
            return MeliJson.Error(400, "bad_request", "resource and user_id are required; times between 1 and 1000");
        }
        for (var i = 0; i < times; i++)
        {
            world.Notify(topic, resource, userId.Value);
        }

        return MeliJson.Json(new JsonObject { ["queued"] = times }, 202);
    }

    private static IResult GetConfig(SandboxWorld world) => MeliJson.Json(new JsonObject
    {
        ["app_id"] = world.Options.AppId,
        ["callback_url"] = world.Options.CallbackUrl,
        ["seed"] = world.Options.Seed,
        ["access_token_lifetime"] = world.Options.AccessTokenLifetime.ToString(),
        ["notification_retry_window"] = world.Options.NotificationRetryWindow.ToString(),
        ["notification_retry_interval"] = world.Options.NotificationRetryInterval.ToString(),
        ["fraud_auto_cancel_delay"] = world.Options.FraudAutoCancelDelay.ToString(),
    });

    private static async Task<IResult> PutConfigAsync(HttpRequest request, SandboxWorld world, CancellationToken ct)
    {
        if (await MeliJson.ReadObjectAsync(request, ct) is not { } body)
        {
            return BadBody();
        }

        if (body.ContainsKey("callback_url"))
        {
            var url = MeliJson.String(body["callback_url"]);
            if (url is not null && !Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                return MeliJson.Error(400, "bad_request", "callback_url must be an absolute URL or null");
            }

            world.Options.CallbackUrl = url;
        }
        return GetConfig(world);
    }

    private static async Task<IResult> PutFaultsAsync(HttpRequest request, SandboxWorld world, FaultBook faults, TokenStore tokens, CancellationToken ct)
    {
        if (await MeliJson.ReadObjectAsync(request, ct) is not { } body)
        {
            return BadBody();
        }

        var (settings, error) = FaultSettings.Parse(body);
        if (settings is null)
        {
            return MeliJson.Error(400, "bad_request", error!);
        }

        faults.Set(settings);
        var expired = 0;
        if (settings.ExpireTokens)
        {
            lock (world.Sync)
            {
                expired = tokens.ExpireAccessTokens(settings.SellerId);
            }
        }
        var result = faults.ToJson();
        result["expired_tokens"] = expired;
        return MeliJson.Json(result);
    }

    private static IResult GetRequests(HttpRequest request, RequestLog log)
    {
        var method = request.Query["method"].ToString();
        var prefix = request.Query["path_prefix"].ToString();
        long? seller = long.TryParse(request.Query["seller_id"], out var s) ? s : null;
        var records = log.Find(r =>
            (method.Length == 0 || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
            && (prefix.Length == 0 || r.Path.StartsWith(prefix, StringComparison.Ordinal))
            && (seller is null || r.SellerId == seller));
        return MeliJson.Json(ToArray(records.Select(r => r.ToJson())));
    }
}
