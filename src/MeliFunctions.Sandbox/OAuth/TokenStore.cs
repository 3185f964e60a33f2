using System.Globalization;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.OAuth;

/// <summary>
/// Authorization codes, access tokens and refresh tokens, with MeLi's rules: codes and refresh
/// tokens are single-use and only a seller's latest refresh token works. All calls under the world lock.
/// </summary>
internal sealed class TokenStore(SandboxWorld world)
{
    private sealed record Code(long SellerId, string RedirectUri, DateTimeOffset Expires, string? Challenge);
    private sealed record Access(long SellerId, DateTimeOffset Expires);

    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    private readonly Dictionary<string, Code> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Access> _access = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _latestRefresh = [];

    /// <param name="challenge">the PKCE <c>code_challenge</c> (S256) the authorization request carried, if any</param>
    public string IssueCode(long sellerId, string redirectUri, string? challenge = null)
    {
        var code = $"TG-{world.Ids.Hex(24)}-{sellerId}";
        _codes[code] = new Code(sellerId, redirectUri, world.Now + CodeLifetime, challenge);
        return code;
    }

    /// <summary>
    /// Redeems a code once. Null when unknown, used, expired, for another redirect_uri, or issued
    /// with a PKCE challenge that <paramref name="codeVerifier"/> does not answer (S256).
    /// </summary>
    public long? RedeemCode(string code, string? redirectUri, string? codeVerifier = null)
    {
        if (!_codes.Remove(code, out var entry))
        {
            return null;
        }

        if (entry.Expires < world.Now)
        {
            return null;
        }

        if (redirectUri is not null && !string.Equals(redirectUri, entry.RedirectUri, StringComparison.Ordinal))
        {
            return null;
        }

        if (entry.Challenge is not null && (codeVerifier is null || !string.Equals(S256(codeVerifier), entry.Challenge, StringComparison.Ordinal)))
        {
            return null;
        }

        return entry.SellerId;
    }

    /// <summary>RFC 7636's S256: BASE64URL(SHA256(ASCII(code_verifier))), no padding.</summary>
    public static string S256(string verifier) =>
        Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Uses a refresh token once. Null unless it is the seller's latest one.</summary>
    public long? RedeemRefresh(string refreshToken)
    {
        foreach (var (seller, latest) in _latestRefresh)
        {
            if (string.Equals(latest, refreshToken, StringComparison.Ordinal))
            {
                _latestRefresh.Remove(seller);
                return seller;
            }
        }
        return null;
    }

    public (string AccessToken, string RefreshToken, TimeSpan Lifetime) Issue(long sellerId)
    {
        var now = world.Now;
        var date = now.ToOffset(TimeSpan.FromHours(-4)).ToString("MMddyy", CultureInfo.InvariantCulture);
        var access = $"APP_USR-{world.Options.AppId}-{date}-{world.Ids.Hex(32)}-{sellerId}";
        var refresh = $"TG-{world.Ids.Hex(24)}-{sellerId}";
        var lifetime = world.Options.AccessTokenLifetime;
        _access[access] = new Access(sellerId, now + lifetime);
        _latestRefresh[sellerId] = refresh;
        return (access, refresh, lifetime);
    }

    /// <summary>The seller an access token belongs to, or null when it is unknown or expired.</summary>
    public long? Validate(string accessToken) =>
        _access.TryGetValue(accessToken, out var a) && a.Expires > world.Now ? a.SellerId : null;

    /// <summary>Expires the access tokens issued so far (of one seller, or of all). Refresh tokens keep working.</summary>
    public int ExpireAccessTokens(long? sellerId)
    {
        var now = world.Now;
        var count = 0;
        foreach (var (token, a) in _access.ToList())
        {
            if (sellerId is null || a.SellerId == sellerId)
            {
                _access[token] = a with { Expires = now };
                count++;
            }
        }
        return count;
    }
}
