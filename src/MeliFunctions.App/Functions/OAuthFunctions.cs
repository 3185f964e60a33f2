using MeliFunctions.Http;
using MeliFunctions.MercadoLibre.OAuth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>A seller connects the app: start, then Mercado Libre's callback; operators invite new sellers.</summary>
public sealed class OAuthFunctions(OAuthFlow oauth, Invites invites)
{
    [Function("OAuthStart")]
    public async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/start")] HttpRequest req, CancellationToken cancellationToken) =>
        (await oauth.StartAsync(req.BaseUrl(), req.Query["invite"].FirstOrDefault(), req.CameOverHttps(), cancellationToken)).ToResult();

    [Function("OAuthCallback")]
    public async Task<IActionResult> Callback(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/callback")] HttpRequest req, CancellationToken cancellationToken) =>
        (await oauth.CallbackAsync(req.ToOAuthCallback(), req.BaseUrl(), req.CameOverHttps(), cancellationToken)).ToResult();

    [Function("CreateInvite")]
    public async Task<IActionResult> CreateInvite(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "{prefix:regex(^admin$)}/invites")] HttpRequest req, CancellationToken cancellationToken) =>
        (await invites.CreateAsync(req.Body, req.BaseUrl(), cancellationToken)).ToResult();
}
