using MeliFunctions.Http;
using MeliFunctions.MercadoLibre.OAuth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>A seller connects the app: start, then Mercado Libre's callback.</summary>
public sealed class OAuthFunctions(OAuthFlow oauth)
{
    [Function("OAuthStart")]
    public async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/start")] HttpRequest req, CancellationToken cancellationToken) =>
        (await oauth.StartAsync(req.BaseUrl(), cancellationToken)).ToResult();

    [Function("OAuthCallback")]
    public async Task<IActionResult> Callback(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/callback")] HttpRequest req, CancellationToken cancellationToken) =>
        (await oauth.CallbackAsync(req.Query["code"], req.Query["state"], req.Query["error"], req.BaseUrl(), cancellationToken)).ToResult();
}
