using System.Security.Cryptography;
using System.Text;
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
/// with a single-use <c>state</c> and a PKCE challenge (S256), and binds that state to the browser
/// with an HttpOnly, SameSite=Lax cookie; <c>GET /api/oauth/callback</c> checks the state and the
/// cookie, exchanges the code (with the PKCE verifier) and stores the seller's tokens.
/// </summary>
/// <remarks>
/// Who may connect: with <see cref="OAuthOptions.OpenEnrolment"/> off (the default), a start needs
/// an operator's invitation (<c>?invite=</c>), except to authorise again a seller the app already
/// knows. The seller is known only after the code exchange, so a start without an invitation is
/// allowed and marked "known sellers only": its callback exchanges the code and then connects the
/// account only if that seller already has a row in <c>Sellers</c> (connected or disconnected);
/// any other account is refused with <c>not_invited</c> and its tokens are thrown away. An
/// invitation is checked at the start and used up by the callback that connects.
/// </remarks>
public sealed class OAuthFlow(
    StorageClients storage,
    MeliOAuthClient oauth,
    SellerAccounts sellers,
    Invites invites,
    IEnumerable<ISellerConnectedObserver> observers,
    IOptions<MeliOptions> options,
    IOptions<OAuthOptions> oauthOptions,
    TimeProvider time,
    ILogger<OAuthFlow> logger)
{
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);

    /// <summary>The binding cookie's path: sent back to the callback only.</summary>
    public const string CookiePath = "/api/oauth";

    private const string Partition = "state";
    private const string CookiePrefix = "meli-oauth-";
    private const string KnownSellersOnly = "known_sellers";

    private TableClient States => storage.Table(StorageNames.OAuthStatesTable);

    /// <summary>
    /// The cookie that binds <paramref name="state"/> to the browser that started the flow. Named per
    /// state, so two sign-ins in two tabs of one browser do not undo each other.
    /// </summary>
    public static string CookieName(string state) => CookiePrefix + (state.Length > 16 ? state[..16] : state);

    /// <summary>
    /// The redirect to Mercado Libre's authorization page. <paramref name="hostBaseUrl"/> gives the
    /// default redirect URI; <paramref name="https"/> marks the binding cookie Secure.
    /// </summary>
    public async Task<ApiResponse> StartAsync(Uri hostBaseUrl, string? invite, bool https, CancellationToken cancellationToken)
    {
        var o = options.Value;
        string? inviteHash = null;
        if (!string.IsNullOrEmpty(invite))
        {
            if (await invites.CheckAsync(invite, cancellationToken) is { } refused)
            {
                return refused;
            }

            inviteHash = Invites.Hash(invite);
        }

        var mode = inviteHash is not null ? "invite" : oauthOptions.Value.OpenEnrolment ? "open" : KnownSellersOnly;
        var state = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var binding = Invites.Base64Url(RandomNumberGenerator.GetBytes(32));
        var verifier = Invites.Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Invites.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        await States.AddEntityAsync(new TableEntity(Partition, state)
        {
            ["ExpiresAt"] = time.GetUtcNow() + StateLifetime,
            ["BindingHash"] = Hash(binding),
            ["CodeVerifier"] = verifier,
            ["Mode"] = mode,
            ["InviteHash"] = inviteHash,
        }, cancellationToken);
        var redirectUri = RedirectUri(hostBaseUrl);
        var url = new Uri(o.AuthBaseUrl, "authorization") +
                  $"?response_type=code&client_id={Uri.EscapeDataString(o.AppId)}&redirect_uri={Uri.EscapeDataString(redirectUri.ToString())}&state={state}" +
                  $"&code_challenge={challenge}&code_challenge_method=S256";
        return ApiResponse.Redirect(url).WithCookie(new ResponseCookie(CookieName(state), binding, CookiePath, StateLifetime, Secure(https)));
    }

    public async Task<ApiResponse> CallbackAsync(OAuthCallbackRequest request, Uri hostBaseUrl, bool https, CancellationToken cancellationToken)
    {
        var (code, state, error) = (request.Code, request.State, request.Error);
        if (!string.IsNullOrEmpty(error))
        {
            return ApiResponse.Error(400, "authorization_denied", $"Mercado Libre did not authorise the app: {error}. Start again at /api/oauth/start.");
        }

        if (string.IsNullOrWhiteSpace(code) || string.IsNullOrWhiteSpace(state))
        {
            return ApiResponse.Error(400, "missing_parameter", "Both 'code' and 'state' are required; start at /api/oauth/start.");
        }

        // States are 48 hex digits; anything else is not one of ours (and could not be a table key).
        if (state.Length != 48 || !state.All(char.IsAsciiHexDigitLower))
        {
            return ApiResponse.Error(400, "invalid_state", "This sign-in link is unknown or was already used; start again at /api/oauth/start.");
        }

        var stored = await States.GetEntityIfExistsAsync<TableEntity>(Partition, state, cancellationToken: cancellationToken);
        if (!stored.HasValue)
        {
            return ApiResponse.Error(400, "invalid_state", "This sign-in link is unknown or was already used; start again at /api/oauth/start.");
        }

        // Bound to the browser that started it: a link from another browser (login CSRF) is refused, and the state stays for its own browser.
        if (request.Binding is not { Length: > 0 } binding ||
            stored.Value!.GetString("BindingHash") is not { } bindingHash ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(binding)), Encoding.ASCII.GetBytes(bindingHash)))
        {
            logger.LogWarning("OAuth callback refused: its state was started in another browser");
            return ApiResponse.Error(400, "state_not_from_this_browser",
                "This sign-in was started in another browser (or this browser blocked its cookie). Open /api/oauth/start in this browser to connect.");
        }

        try
        {
            // Single use: only the caller that deletes the state goes on.
            await States.DeleteEntityAsync(Partition, state, stored.Value.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return ApiResponse.Error(400, "invalid_state", "This sign-in link was already used; start again at /api/oauth/start.");
        }

        var clear = new ResponseCookie(CookieName(state), "", CookiePath, TimeSpan.Zero, Secure(https));
        if (stored.Value.GetDateTimeOffset("ExpiresAt") is not { } expiresAt || expiresAt < time.GetUtcNow())
        {
            return ApiResponse.Error(400, "expired_state", $"This sign-in link expired (links last {StateLifetime.TotalMinutes:0} minutes); start again at /api/oauth/start.").WithCookie(clear);
        }

        TokenResponse tokens;
        try
        {
            tokens = await oauth.ExchangeCodeAsync(code, RedirectUri(hostBaseUrl), stored.Value.GetString("CodeVerifier"), cancellationToken);
        }
        catch (MeliApiException ex)
        {
            logger.LogWarning("Mercado Libre refused the authorization code: {Status} {Error}", ex.Status, ex.Error);
            return ApiResponse.Error(502, ex.Error ?? "token_exchange_failed", $"Mercado Libre refused the authorization code ({ex.Status} {ex.Error}: {ex.MeliMessage}). Start again at /api/oauth/start.").WithCookie(clear);
        }

        var sellerId = tokens.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mode = stored.Value.GetString("Mode");
        if (mode == KnownSellersOnly && await sellers.GetAsync(sellerId, cancellationToken) is null)
        {
            logger.LogWarning("OAuth callback refused: seller {SellerId} is not connected to this app and came with no invitation", sellerId);
            return ApiResponse.Error(403, "not_invited",
                $"Mercado Libre account {sellerId} is not connected to this app, and new accounts connect only with an invitation: ask the operator for an invitation link.").WithCookie(clear);
        }

        if (stored.Value.GetString("InviteHash") is { Length: > 0 } inviteHash && await invites.UseAsync(inviteHash, sellerId, cancellationToken) is { } refused)
        {
            return refused.WithCookie(clear);
        }

        await sellers.ConnectAsync(tokens, cancellationToken);
        logger.LogInformation("Seller {SellerId} connected the app", sellerId);
        foreach (var observer in observers)
        {
            await observer.OnSellerConnectedAsync(sellerId, cancellationToken);
        }

        return ApiResponse.Json(200, new JsonObject { ["user_id"] = tokens.UserId, ["status"] = SellerAccount.Connected, ["scope"] = tokens.Scope }).WithCookie(clear);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(value)));

    /// <summary>Secure when this request came over HTTPS, or when the app is registered with an HTTPS redirect URI (Azure).</summary>
    private bool Secure(bool https) => https || options.Value.RedirectUri?.Scheme == Uri.UriSchemeHttps;

    private Uri RedirectUri(Uri hostBaseUrl) => options.Value.RedirectUri ?? new Uri(hostBaseUrl, "api/oauth/callback");
}

/// <summary>What the callback reads from Mercado Libre's redirect: the query and the browser's binding cookie.</summary>
public sealed record OAuthCallbackRequest(string? Code, string? State, string? Error, string? Binding);

/// <summary>Called after a seller connects (the backfill starts here).</summary>
public interface ISellerConnectedObserver
{
    Task OnSellerConnectedAsync(string sellerId, CancellationToken cancellationToken);
}
