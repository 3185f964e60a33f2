using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;

namespace MeliFunctions.Sandbox.Api;

internal sealed record RequestRecord(long Sequence, string Method, string Path, string Query, string? Body, long? SellerId, int Status, DateTimeOffset Time)
{
    public JsonObject ToJson()
    {
        JsonNode? body = null;
        if (Body is not null)
        {
            try
            {
                body = JsonNode.Parse(Body);
            }
            catch (System.Text.Json.JsonException)
            {
                body = Body;
            }
        }
        return new JsonObject
        {
            ["sequence"] = Sequence,
            ["method"] = Method,
            ["path"] = Path,
            ["query"] = Query,
            ["body"] = body,
            ["seller_id"] = SellerId,
            ["status"] = Status,
            ["time"] = MeliJson.Utc(Time),
        };
    }
}

/// <summary>Every API call the sandbox answered (admin routes excluded), without tokens or secrets. Thread-safe.</summary>
internal sealed class RequestLog
{
    private readonly object _sync = new();
    private readonly List<RequestRecord> _records = [];
    private long _sequence;

    public void Add(string method, string path, string query, string? body, long? sellerId, int status, DateTimeOffset time)
    {
        lock (_sync)
        {
            _records.Add(new RequestRecord(++_sequence, method, path, query, body, sellerId, status, time));
        }
    }

    public List<RequestRecord> Find(Func<RequestRecord, bool> filter)
    {
        lock (_sync)
        {
            return _records.Where(filter).ToList();
        }
    }
}
