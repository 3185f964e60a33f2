using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Hosting;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.MercadoLibre.OAuth;

/// <summary>
/// Connecting a seller: <c>GET /api/oauth/start</c> sends the seller's browser to Mercado Libre
/// with a single-use <c>state</c>; <c>GET /api/oauth/callback</c> checks it, exchanges the code
/// and stores the seller's tokens.
/// </summary>
public sealed class OAuthFlow(
    StorageClients storage,
    MeliOAuthClient oauth,
    SellerAccounts sellers,
    IEnumerable<ISellerConnectedObserver> observers,
    IOptions<MeliOptions> options,
    TimeProvider time,
    ILogger<OAuthFlow> logger)
{
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);
    private const string Partition = "state";

    private TableClient States => storage.Table(StorageNames.OAuthStatesTable);

    /// <summary>The redirect to Mercado Libre's authorization page. <paramref name="hostBaseUrl"/> gives the default redirect URI.</summary>
    public async Task<ApiResponse> StartAsync(Uri hostBaseUrl, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var state = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await States.AddEntityAsync(new TableEntity(Partition, state) { ["ExpiresAt"] = time.GetUtcNow() + StateLifetime }, cancellationToken);
        var redirectUri = RedirectUri(hostBaseUrl);
        var url = new Uri(o.AuthBaseUrl, "authorization") +
                  $"?response_type=code&client_id={Uri.EscapeDataString(o.AppId)}&redirect_uri={Uri.EscapeDataString(redirectUri.ToString())}&state={state}";
        return ApiResponse.Redirect(url);
    }

    public async Task<ApiResponse> CallbackAsync(string? code, string? state, string? error, Uri hostBaseUrl, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(error))
        {
            return ApiResponse.Error(400, "authorization_denied", $"Mercado Libre did not authorise the app: {error}. Start again at /api/oauth/start.");
        }

        if (string.IsNullOrWhiteSpace(code) || string.IsNullOrWhiteSpace(state))
        {
            return ApiResponse.Error(400, "missing_parameter", "Both 'code' and 'state' are required; start at /api/oauth/start.");
        }

        var stored = await States.GetEntityIfExistsAsync<TableEntity>(Partition, state, cancellationToken: cancellationToken);
        if (!stored.HasValue)
        {
            return ApiResponse.Error(400, "invalid_state", "This sign-in link is unknown or was already used; start again at /api/oauth/start.");
        }

        try
        {
            // Single use: only the caller that deletes the state goes on.
            await States.DeleteEntityAsync(Partition, state, stored.Value!.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return ApiResponse.Error(400, "invalid_state", "This sign-in link was already used; start again at /api/oauth/start.");
        }

        if (stored.Value.GetDateTimeOffset("ExpiresAt") is not { } expiresAt || expiresAt < time.GetUtcNow())
        {
            return ApiResponse.Error(400, "expired_state", $"This sign-in link expired (links last {StateLifetime.TotalMinutes:0} minutes); start again at /api/oauth/start.");
        }

        TokenResponse tokens;
        try
        {
            tokens = await oauth.ExchangeCodeAsync(code, RedirectUri(hostBaseUrl), cancellationToken);
        }
        catch (MeliApiException ex)
        {
            logger.LogWarning("Mercado Libre refused the authorization code: {Status} {Error}", ex.Status, ex.Error);
            return ApiResponse.Error(502, ex.Error ?? "token_exchange_failed", $"Mercado Libre refused the authorization code ({ex.Status} {ex.Error}: {ex.MeliMessage}). Start again at /api/oauth/start.");
        }

        await sellers.ConnectAsync(tokens, cancellationToken);
        var sellerId = tokens.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        logger.LogInformation("Seller {SellerId} connected the app", sellerId);
        foreach (var observer in observers)
        {
            await observer.OnSellerConnectedAsync(sellerId, cancellationToken);
        }

        return ApiResponse.Json(200, new JsonObject { ["user_id"] = tokens.UserId, ["status"] = SellerAccount.Connected, ["scope"] = tokens.Scope });
    }

    private Uri RedirectUri(Uri hostBaseUrl) => options.Value.RedirectUri ?? new Uri(hostBaseUrl, "api/oauth/callback");
}

/// <summary>Called after a seller connects (the backfill starts here).</summary>
public interface ISellerConnectedObserver
{
    Task OnSellerConnectedAsync(string sellerId, CancellationToken cancellationToken);
}
