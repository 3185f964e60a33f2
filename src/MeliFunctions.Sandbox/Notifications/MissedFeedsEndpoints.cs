using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Notifications;

/// <summary><c>GET /missed_feeds?app_id=[&amp;topic=][&amp;offset=&amp;limit=]</c>: notifications never acknowledged, last 2 days, 10 per page.</summary>
internal static class MissedFeedsEndpoints
{
    public static void Map(WebApplication app) => app.MapGet("/missed_feeds", Get);

    private static IResult Get(HttpRequest request, SandboxWorld world)
    {
        var appId = request.Query["app_id"].ToString();
        if (appId.Length == 0)
        {
            return MeliJson.Error(400, "bad_request", "app_id is required");
        }

        if (appId != world.Options.AppId)
        {
            return MeliJson.Error(403, "forbidden", "The caller is not the owner of the application");
        }

        var offset = int.TryParse(request.Query["offset"], out var o) ? o : 0;
        var limit = int.TryParse(request.Query["limit"], out var l) ? l : 10;
        if (offset < 0 || limit is < 1 or > 100)
        {
            return MeliJson.Error(400, "bad_request", "offset must be >= 0 and limit between 1 and 100");
        }

        var topic = request.Query["topic"].ToString();
        var missed = world.Notifications.Missed(topic.Length == 0 ? null : topic, world.Now - TimeSpan.FromDays(2));
        var messages = new JsonArray();
        foreach (var m in missed.Skip(offset).Take(limit))
        {
            messages.Add(m);
        }

        return MeliJson.Json(new JsonObject { ["messages"] = messages });
    }
}
