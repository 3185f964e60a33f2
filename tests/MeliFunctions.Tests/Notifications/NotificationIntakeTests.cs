using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MeliFunctions.Notifications;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Notifications;

/// <summary>A Server with its queue pump off (so the queue can be counted), on a real Azurite.</summary>
public sealed class WebhookOnlyServer : IAsyncLifetime
{
    public Azurite Azurite { get; private set; } = null!;

    public ServerHost Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await Azurite.StartAsync();
        Server = await ServerHost.StartAsync(Azurite.ConnectionString, settings: new Dictionary<string, string?> { ["Server:PumpEnabled"] = "false" });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

/// <summary>The webhook through the Server over real HTTP, against a real Azurite.</summary>
public sealed class NotificationIntakeTests : IClassFixture<WebhookOnlyServer>, IAsyncLifetime
{
    private readonly Azurite _azurite;
    private readonly ServerHost _server;

    public NotificationIntakeTests(WebhookOnlyServer fixture)
    {
        _azurite = fixture.Azurite;
        _server = fixture.Server;
    }

    public async Task InitializeAsync() => await _server.Storage.Queue(StorageNames.NotificationsQueue).ClearMessagesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Body(string topic = "orders_v2", string resource = "/orders/2032217210", object? appId = null, object? userId = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["_id"] = Guid.NewGuid().ToString(),
            ["resource"] = resource,
            ["user_id"] = userId ?? 123456789,
            ["topic"] = topic,
            ["application_id"] = appId ?? long.Parse(ServerHost.AppId),
            ["attempts"] = 1,
            ["sent"] = "2026-11-23T01:00:00.000Z",
            ["received"] = "2026-11-23T01:00:00.000Z",
        });

    private Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/json") =>
        _server.Http.PostAsync("api/notifications", new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)));

    private async Task<List<string>> QueuedAsync()
    {
        var messages = await _server.Storage.Queue(StorageNames.NotificationsQueue).PeekMessagesAsync(32);
        return messages.Value.Select(m => m.MessageText).ToList();
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(error, json.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task An_order_notification_is_queued_before_the_200()
    {
        var response = await PostAsync(Body());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var queued = Assert.Single(await QueuedAsync());
        var message = NotificationMessage.TryParse(queued)!;
        Assert.Equal("123456789", message.SellerId);
        Assert.Equal("/orders/2032217210", message.Resource);
        Assert.Equal("orders_v2", message.Topic);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero), message.Sent);
        Assert.NotNull(message.NotificationId);
    }

    [Fact]
    public async Task Anything_after_the_JSON_object_is_refused_and_nothing_is_queued()
    {
        foreach (var body in new[] { Body() + "x", Body() + Body(), Body() + "]", Body() + " {}" })
        {
            await AssertRefusedAsync(await PostAsync(body), HttpStatusCode.BadRequest, "invalid_json");
        }

        await AssertRefusedAsync(await PostAsync(Body(resource: "/orders/2032217210\n")), HttpStatusCode.BadRequest, "resource_mismatch");
        Assert.Empty(await QueuedAsync());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Body() + "\r\n ")).StatusCode); // whitespace after the object is JSON
        Assert.Single(await QueuedAsync());
    }

    [Fact]
    public async Task Messages_are_base64_on_the_queue_as_the_Functions_trigger_expects()
    {
        await PostAsync(Body());

        var raw = new Azure.Storage.Queues.QueueClient(_azurite.ConnectionString, StorageNames.NotificationsQueue); // no decoding
        var message = Assert.Single((await raw.PeekMessagesAsync(1)).Value);
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText));
        Assert.NotNull(NotificationMessage.TryParse(decoded));
    }

    [Fact]
    public async Task Duplicates_are_all_accepted_and_each_queued_once()
    {
        var body = Body();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(body)).StatusCode);
        }

        Assert.Equal(3, (await QueuedAsync()).Count);
    }

    [Fact]
    public async Task A_user_id_sent_as_a_string_is_accepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Body(userId: "123456789"))).StatusCode);
        Assert.Single(await QueuedAsync());
    }

    [Fact]
    public async Task An_unknown_topic_gets_200_and_queues_nothing()
    {
        var response = await PostAsync(Body(topic: "questions", resource: "/questions/123"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ignored", await response.Content.ReadAsStringAsync());
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task Malformed_json_is_refused_and_nothing_is_queued()
    {
        await AssertRefusedAsync(await PostAsync("{\"resource\": \"/orders/1\", "), HttpStatusCode.BadRequest, "invalid_json");
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task A_wrong_content_type_is_refused_and_nothing_is_queued()
    {
        await AssertRefusedAsync(await PostAsync(Body(), "text/plain"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task An_oversized_body_is_refused_and_nothing_is_queued()
    {
        var body = Body().TrimEnd('}') + ",\"padding\":\"" + new string('x', 20_000) + "\"}";

        await AssertRefusedAsync(await PostAsync(body), HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task An_oversized_body_sent_chunked_without_a_length_is_refused()
    {
        var body = Body().TrimEnd('}') + ",\"padding\":\"" + new string('x', 20_000) + "\"}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/notifications") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        await AssertRefusedAsync(await _server.Http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task Another_apps_notification_is_refused_and_nothing_is_queued()
    {
        await AssertRefusedAsync(await PostAsync(Body(appId: 999)), HttpStatusCode.Forbidden, "wrong_application");
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task A_resource_that_does_not_match_its_topic_is_refused()
    {
        await AssertRefusedAsync(await PostAsync(Body(resource: "/items/MLA123")), HttpStatusCode.BadRequest, "resource_mismatch");
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task A_missing_user_id_is_refused()
    {
        await AssertRefusedAsync(await PostAsync("""{"resource":"/orders/1","topic":"orders_v2","application_id":5503910054141466}"""), HttpStatusCode.BadRequest, "missing_field");
        Assert.Empty(await QueuedAsync());
    }
}

/// <summary>Promise 1: if the queue cannot be written, the webhook answers 5xx so Mercado Libre retries.</summary>
public sealed class NotificationIntakeOutageTests
{
    [Fact]
    public async Task A_queue_outage_answers_503_so_Mercado_Libre_retries()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var server = await ServerHost.StartAsync(azurite.ConnectionString, settings: new Dictionary<string, string?> { ["Server:PumpEnabled"] = "false" });
        await azurite.DisposeAsync(); // storage goes away under a running server

        var response = await server.Http.PostAsync("api/notifications", new StringContent(
            $$"""{"resource":"/orders/1","user_id":1,"topic":"orders_v2","application_id":{{ServerHost.AppId}}}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("enqueue_failed", await response.Content.ReadAsStringAsync());
    }
}
