using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Sandbox.Tests;

/// <summary>A tiny Kestrel endpoint standing in for the product's notification webhook.</summary>
internal sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonElement> _received = new();

    private CallbackReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Decides the HTTP status of each delivery (the default answers 200).</summary>
    public Func<JsonElement, int> Answer { get; set; } = _ => 200;

    public IReadOnlyList<JsonElement> Received => _received.ToArray();

    public static async Task<CallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        CallbackReceiver? self = null;
        app.MapPost("/notifications", async (HttpRequest request) =>
        {
            using var doc = await JsonDocument.ParseAsync(request.Body);
            var body = doc.RootElement.Clone();
            self!._received.Enqueue(body);
            return Results.StatusCode(self.Answer(body));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new CallbackReceiver(app, address.TrimEnd('/') + "/notifications");
        return self;
    }

    /// <summary>Waits (polling, generous timeout) until the received notifications satisfy a condition.</summary>
    public Task<IReadOnlyList<JsonElement>> WaitForAsync(Func<IReadOnlyList<JsonElement>, bool> condition, int timeoutSeconds = 20) =>
        Poll.UntilAsync(
            () => Task.FromResult(Received),
            condition,
            "the notifications received",
            TimeSpan.FromSeconds(timeoutSeconds),
            received => $"{received.Count}: {string.Join(", ", received.Select(r => r.GetRawText()))}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
