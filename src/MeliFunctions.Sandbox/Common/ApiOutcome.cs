using System.Text.Json.Nodes;

namespace MeliFunctions.Sandbox.Common;

/// <summary>A status and a JSON body, built under the world lock and turned into a response outside it.</summary>
internal sealed record ApiOutcome(int Status, JsonNode? Body)
{
    public static ApiOutcome Ok(JsonNode? body, int status = 200) => new(status, body);

    public static ApiOutcome Fail(int status, string error, string message) => new(status, MeliJson.ErrorBody(status, error, message));

    public bool Success => Status is >= 200 and < 300;

    public IResult ToResult() => MeliJson.Json(Body, Status);
}
