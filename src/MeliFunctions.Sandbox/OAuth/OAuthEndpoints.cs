using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.OAuth;

/// <summary><c>POST /oauth/token</c> and the <c>/authorization</c> page.</summary>
internal static class OAuthEndpoints
{
    public const string InvalidGrantDescription =
        "Error validating grant. Your authorization code or refresh token may be expired or it was already used";

    public static void Map(WebApplication app)
    {
        app.MapPost("/oauth/token", TokenAsync);
        app.MapGet("/authorization", Authorize);
    }

    private static IResult InvalidGrant() => MeliJson.Json(new JsonObject
    {
        ["error_description"] = InvalidGrantDescription,
        ["error"] = "invalid_grant",
        ["status"] = 400,
        ["cause"] = new JsonArray(),
    }, 400);

    private static async Task<IResult> TokenAsync(HttpRequest request, SandboxWorld world, TokenStore tokens, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return MeliJson.Error(400, "invalid_request", "the request must be application/x-www-form-urlencoded");
        }
        var form = await request.ReadFormAsync(ct);
        string? F(string name) => form.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v.ToString()) ? v.ToString() : null;
        var grant = F("grant_type");
        var clientId = F("client_id");
        var secret = F("client_secret");
        if (grant is null || clientId is null || secret is null)
        {
            return MeliJson.Error(400, "invalid_request", "grant_type, client_id and client_secret are required");
        }
        if (clientId != world.Options.AppId || secret != world.Options.ClientSecret)
        {
            return MeliJson.Error(400, "invalid_client", "invalid client_id or client_secret");
        }

        lock (world.Sync)
        {
            long? seller;
            switch (grant)
            {
                case "authorization_code":
                    var code = F("code");
                    if (code is null)
                    {
                        return MeliJson.Error(400, "invalid_request", "code is required");
                    }

                    seller = tokens.RedeemCode(code, F("redirect_uri"), F("code_verifier"));
                    break;
                case "refresh_token":
                    var refresh = F("refresh_token");
                    if (refresh is null)
                    {
                        return MeliJson.Error(400, "invalid_request", "refresh_token is required");
                    }

                    seller = tokens.RedeemRefresh(refresh);
                    break;
                default:
                    return MeliJson.Error(400, "unsupported_grant_type", $"grant_type {grant} is not supported");
            }
            if (seller is null)
            {
                return InvalidGrant();
            }

            var issued = tokens.Issue(seller.Value);
            return MeliJson.Json(new JsonObject
            {
                ["access_token"] = issued.AccessToken,
                ["token_type"] = "bearer",
                ["expires_in"] = (long)issued.Lifetime.TotalSeconds,
                ["scope"] = "offline_access read write",
                ["user_id"] = seller.Value,
                ["refresh_token"] = issued.RefreshToken,
            });
        }
    }

    private static IResult Authorize(HttpRequest request, SandboxWorld world, TokenStore tokens)
    {
        var q = request.Query;
        var redirect = q["redirect_uri"].ToString();
        if (q["client_id"].ToString() != world.Options.AppId)
        {
            return MeliJson.Error(400, "invalid_client", "invalid client_id");
        }
        if (q["response_type"].ToString() is { Length: > 0 } rt && rt != "code")
        {
            return MeliJson.Error(400, "unsupported_response_type", "response_type must be code");
        }
        if (!Uri.TryCreate(redirect, UriKind.Absolute, out var redirectUri))
        {
            return MeliJson.Error(400, "invalid_request", "redirect_uri must be an absolute URL");
        }
        var state = q["state"].ToString();
        // PKCE (RFC 7636), optional as at Mercado Libre: when a challenge comes, the code is redeemed only with its verifier.
        var challenge = q["code_challenge"].ToString() is { Length: > 0 } c ? c : null;
        var method = q["code_challenge_method"].ToString();
        if (challenge is not null && method is { Length: > 0 } && method != "S256")
        {
            return MeliJson.Error(400, "invalid_request", "code_challenge_method must be S256");
        }
        if (challenge is not null && (challenge.Length is < 43 or > 128 || !challenge.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' or '~')))
        {
            return MeliJson.Error(400, "invalid_request", "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]");
        }
        if (challenge is null && method.Length > 0)
        {
            return MeliJson.Error(400, "invalid_request", "code_challenge_method without code_challenge");
        }

        lock (world.Sync)
        {
            var sellers = world.Users.Values.Where(u => u.IsSeller).OrderBy(u => u.Id).ToList();
            long? loginAs = long.TryParse(q["login_as"], out var id) ? id : sellers.Count == 1 ? sellers[0].Id : null;
            if (loginAs is { } sellerId)
            {
                if (!world.Users.TryGetValue(sellerId, out var user) || !user.IsSeller)
                {
                    return MeliJson.Error(400, "invalid_request", $"unknown seller {sellerId}");
                }
                var code = tokens.IssueCode(sellerId, redirect, challenge);
                var separator = string.IsNullOrEmpty(redirectUri.Query) ? "?" : "&";
                var location = $"{redirect}{separator}code={Uri.EscapeDataString(code)}";
                if (state.Length > 0)
                {
                    location += $"&state={Uri.EscapeDataString(state)}";
                }

                return Results.Redirect(location);
            }

            var html = new StringBuilder();
            html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Mercado Libre sandbox: log in</title></head><body>");
            html.Append("<h1>Log in as a seller</h1>");
            if (sellers.Count == 0)
            {
                html.Append("<p>No sellers yet: create one with POST /_sandbox/sellers.</p>");
            }

            html.Append("<ul>");
            foreach (var s in sellers)
            {
                var link = $"{request.Path}{request.QueryString}&login_as={s.Id}";
                html.Append("<li><a href=\"").Append(WebUtility.HtmlEncode(link)).Append("\">")
                    .Append(WebUtility.HtmlEncode(s.Nickname)).Append(" (").Append(s.Id).Append(")</a></li>");
            }
            html.Append("</ul></body></html>");
            return Results.Content(html.ToString(), "text/html; charset=utf-8");
        }
    }
}
