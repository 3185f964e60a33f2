using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace MeliFunctions.MercadoLibre.OAuth;

/// <summary>
/// <c>POST /oauth/token</c>: exchanges an authorization code, or a refresh token, for tokens.
/// Never retried automatically: a refresh token is single-use, so a blind retry would burn it.
/// </summary>
public sealed class MeliOAuthClient(IHttpClientFactory httpClientFactory, IOptions<MeliOptions> options)
{
    public const string HttpClientName = "meli-oauth";

    /// <param name="codeVerifier">the PKCE verifier whose S256 challenge went to the authorization page, if one did</param>
    public Task<TokenResponse> ExchangeCodeAsync(string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> form =
        [
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", redirectUri.ToString()),
        ];
        if (!string.IsNullOrEmpty(codeVerifier))
        {
            form.Add(new("code_verifier", codeVerifier));
        }

        return PostAsync(form, cancellationToken);
    }

    public Task<TokenResponse> RefreshAsync(string refreshToken, CancellationToken cancellationToken) =>
        PostAsync(
            [
                new("grant_type", "refresh_token"),
                new("refresh_token", refreshToken),
            ],
            cancellationToken);

    private async Task<TokenResponse> PostAsync(List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        var o = options.Value;
        form.Add(new("client_id", o.AppId));
        form.Add(new("client_secret", o.ClientSecret));
        var http = httpClientFactory.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(o.ApiBaseUrl, "oauth/token"))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Accept.ParseAdd("application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MeliApiException(MeliErrorKind.Transient, 0, "network_error", "the token endpoint could not be reached", inner: null);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw MeliApiException.FromResponse(response.StatusCode, body);
            }

            return await response.Content.ReadFromJsonAsync(MeliJsonContext.Default.TokenResponse, cancellationToken)
                   ?? throw new MeliApiException(MeliErrorKind.Transient, (int)response.StatusCode, "invalid_response", "the token endpoint answered an empty body");
        }
    }
}
