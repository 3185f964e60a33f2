using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeliFunctions.Hosting;

/// <summary>
/// Reads a request body that must be one JSON object, never more than a limit into memory, with one
/// set of error codes for every route: 413 <c>body_too_large</c>, 400 <c>invalid_json</c> and 400
/// <c>invalid_body</c> (valid JSON, but not an object).
/// </summary>
public static class JsonBody
{
    public const string TooLarge = "body_too_large";
    public const string InvalidJson = "invalid_json";
    public const string NotAnObject = "invalid_body";

    /// <summary>The object, or the error code (<see cref="TooLarge"/>, <see cref="InvalidJson"/>, <see cref="NotAnObject"/>).</summary>
    public static async Task<(JsonObject? Json, string? Error)> ReadObjectAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return (null, TooLarge);
            }
        }

        try
        {
            buffer.Position = 0;
            return await JsonNode.ParseAsync(buffer, cancellationToken: cancellationToken) is JsonObject json ? (json, null) : (null, NotAnObject);
        }
        catch (JsonException)
        {
            return (null, InvalidJson);
        }
    }

    /// <summary>The answer for an error of <see cref="ReadObjectAsync"/>: 413 when too large, else 400 naming the shape expected.</summary>
    public static ApiResponse Refusal(string error, int maxBytes, string shape) => error == TooLarge
        ? ApiResponse.Error(413, TooLarge, $"The body is over {maxBytes} bytes.")
        : ApiResponse.Error(400, error, $"The body must be a JSON object: {shape}.");
}
