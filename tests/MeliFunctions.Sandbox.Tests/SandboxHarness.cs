using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace MeliFunctions.Sandbox.Tests;

/// <summary>A running sandbox with an HTTP client, the admin client and helpers to connect sellers.</summary>
internal sealed class SandboxHarness : IAsyncDisposable
{
    public const string RedirectUri = "https://app.example.test/oauth/callback";

    private SandboxHarness(MeliSandbox sandbox, FakeTimeProvider? clock)
    {
        Sandbox = sandbox;
        Clock = clock;
        Http = new HttpClient { BaseAddress = sandbox.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        Admin = new SandboxAdminClient(Http);
    }

    public MeliSandbox Sandbox { get; }
    public FakeTimeProvider? Clock { get; }
    public HttpClient Http { get; }
    public SandboxAdminClient Admin { get; }
    public SandboxOptions Options => Sandbox.Options;

    public static async Task<SandboxHarness> StartAsync(Action<SandboxOptions>? configure = null, FakeTimeProvider? clock = null)
    {
        var options = new SandboxOptions();
        configure?.Invoke(options);
        var sandbox = await MeliSandbox.StartAsync(options, "http://127.0.0.1:0", clock, CancellationToken.None);
        return new SandboxHarness(sandbox, clock);
    }

    public async Task<JsonElement> ExchangeAsync(IEnumerable<KeyValuePair<string, string>> form, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await Http.PostAsync("oauth/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public Task<JsonElement> ExchangeCodeAsync(string code) => ExchangeAsync(
    [
        new("grant_type", "authorization_code"),
        new("client_id", Options.AppId),
        new("client_secret", Options.ClientSecret),
        new("code", code),
        new("redirect_uri", RedirectUri),
    ]);

    /// <summary>A new seller with an access token (through the authorization-code grant).</summary>
    public async Task<(long SellerId, string AccessToken, string RefreshToken)> ConnectSellerAsync(string nickname)
    {
        var seller = await Admin.CreateSellerAsync(nickname);
        var code = await Admin.CreateAuthorizationCodeAsync(seller.Id, RedirectUri);
        var tokens = await ExchangeCodeAsync(code);
        return (seller.Id, tokens.GetProperty("access_token").GetString()!, tokens.GetProperty("refresh_token").GetString()!);
    }

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> CallAsync(HttpMethod method, string path, string? token, JsonNode? body = null, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (headers is not null)
        {
            foreach (var (k, v) in headers)
            {
                request.Headers.Add(k, v);
            }
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return ((int)response.StatusCode, json, response);
    }

    public async Task<(int Status, JsonElement Body)> GetAsync(string path, string? token, IDictionary<string, string>? headers = null)
    {
        var (status, body, response) = await CallAsync(HttpMethod.Get, path, token, null, headers);
        response.Dispose();
        return (status, body);
    }

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? token, JsonNode? body)
    {
        var (status, json, response) = await CallAsync(method, path, token, body);
        response.Dispose();
        return (status, json);
    }

    /// <summary>A listing with stock for a seller; returns its id.</summary>
    public async Task<string> CreateItemAsync(long sellerId, int quantity = 10, decimal price = 100m, string title = "Kit Adesivo Spray 3M")
    {
        var item = await Admin.CreateItemAsync(sellerId, title, price, quantity);
        return item.GetProperty("id").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Sandbox.DisposeAsync();
    }
}
