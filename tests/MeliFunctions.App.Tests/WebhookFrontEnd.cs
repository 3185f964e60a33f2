using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace MeliFunctions.App.Tests;

/// <summary>
/// What a load balancer is to several instances of a Function App: MeLi's webhook POSTs handed to
/// the hosts in turn (path and query kept, the secret with them), each host's answer given back as is.
/// A host that does not answer is a 502, so MeLi tries again, as it would.
/// </summary>
public sealed class WebhookFrontEnd : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly int[] _handed;

    private WebhookFrontEnd(WebApplication app, int hosts)
    {
        _app = app;
        _handed = new int[hosts];
    }

    public Uri BaseUrl => new(_app.Urls.First().TrimEnd('/') + "/");

    /// <summary>Notifications handed to each host so far.</summary>
    public IReadOnlyList<int> Handed => Enumerable.Range(0, _handed.Length).Select(i => Volatile.Read(ref _handed[i])).ToList();

    public static async Task<WebhookFrontEnd> StartAsync(IReadOnlyList<HttpClient> hosts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var front = new WebhookFrontEnd(app, hosts.Count);
        var next = -1;
        app.MapPost("/api/notifications", async (HttpRequest request) =>
        {
            var turn = (int)((uint)Interlocked.Increment(ref next) % (uint)hosts.Count);
            Interlocked.Increment(ref front._handed[turn]);
            using var reader = new StreamReader(request.Body);
            using var body = new StringContent(await reader.ReadToEndAsync(), Encoding.UTF8, "application/json");
            try
            {
                using var answer = await hosts[turn].PostAsync("api/notifications" + request.QueryString.Value, body);
                return Results.Content(await answer.Content.ReadAsStringAsync(), "application/json", statusCode: (int)answer.StatusCode);
            }
            catch (HttpRequestException)
            {
                return Results.StatusCode(StatusCodes.Status502BadGateway);
            }
        });
        await app.StartAsync();
        return front;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
