using System.Security.Cryptography;
using System.Text;
using MeliFunctions.Hosting;
using MeliFunctions.Http;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Server.Http;

/// <summary>
/// Endpoint metadata on the routes that need the management key (the App's
/// <c>AuthorizationLevel.Function</c>); <see cref="ManagementKey.RequireManagementKey"/> adds it
/// together with the key check, so the two cannot part.
/// </summary>
public sealed class ManagementKeyRequired
{
    private ManagementKeyRequired()
    {
    }

    public static ManagementKeyRequired Instance { get; } = new();
}

public static class ManagementKey
{
    /// <summary>Every route of <paramref name="group"/> needs <c>x-functions-key</c> (or <c>?code=</c>, as Functions keys) equal to <c>Server__ApiKey</c>.</summary>
    public static RouteGroupBuilder RequireManagementKey(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(RequireKey).WithMetadata(ManagementKeyRequired.Instance);

    private static async ValueTask<object?> RequireKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var expected = http.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.ApiKey;
        string? given = http.Request.Headers["x-functions-key"].FirstOrDefault() ?? http.Request.Query["code"].FirstOrDefault();
        if (string.IsNullOrEmpty(expected))
        {
            return ApiResponse.Error(401, "management_disabled", "Management routes are off: set Server__ApiKey and send it in the x-functions-key header.").ToResult();
        }

        if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            return ApiResponse.Error(401, "invalid_key", "Send the management key in the x-functions-key header.").ToResult();
        }

        return await next(context);
    }
}
