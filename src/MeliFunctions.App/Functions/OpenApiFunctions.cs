using MeliFunctions.Hosting;
using MeliFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>
/// The OpenAPI document of both hosts (function key required, as in the Server). The Server
/// generates it with Microsoft.AspNetCore.OpenApi; the App serves the committed copy,
/// <c>docs/openapi.json</c>, embedded in this assembly (a test keeps the copy equal to the Server's).
/// </summary>
public static class OpenApiFunctions
{
    private static readonly Lazy<string> Document = new(() =>
    {
        using var stream = typeof(OpenApiFunctions).Assembly.GetManifestResourceStream("openapi.json")
            ?? throw new InvalidOperationException("The App is built without docs/openapi.json (EmbeddedResource openapi.json).");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    [Function("OpenApiDocument")]
    public static IActionResult OpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "openapi/v1.json")] HttpRequest req) =>
        new ApiResponse(200, Document.Value).ToResult();
}
