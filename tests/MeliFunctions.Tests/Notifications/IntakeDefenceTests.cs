using System.Net;
using System.Text;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Notifications;

/// <summary>The optional defences of the webhook: a secret in the callback URL and an IP allow-list.</summary>
public sealed class IntakeDefenceTests
{
    private static StringContent Notification() => new(
        $$"""{"resource":"/orders/2032217210","user_id":123,"topic":"orders_v2","application_id":{{ServerHost.AppId}}}""", Encoding.UTF8, "application/json");

    private static async Task<int> QueuedAsync(ServerHost server) =>
        (await server.Storage.Queue(StorageNames.NotificationsQueue).PeekMessagesAsync(32)).Value.Length;

    [Fact]
    public async Task With_a_callback_secret_a_call_without_it_is_refused_and_one_with_it_is_queued()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var server = await ServerHost.StartAsync(azurite.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Server:PumpEnabled"] = "false",
            ["Notifications:CallbackSecret"] = "s3cret-in-the-url",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.PostAsync("api/notifications", Notification())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.PostAsync("api/notifications?secret=wrong", Notification())).StatusCode);
        Assert.Equal(0, await QueuedAsync(server));

        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync("api/notifications?secret=s3cret-in-the-url", Notification())).StatusCode);
        Assert.Equal(1, await QueuedAsync(server));
    }

    [Fact]
    public async Task While_the_secret_rotates_the_old_and_the_new_one_are_both_accepted_and_nothing_else()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var server = await ServerHost.StartAsync(azurite.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Server:PumpEnabled"] = "false",
            ["Notifications:CallbackSecret"] = "the-new-secret",
            ["Notifications:PreviousCallbackSecret"] = "the-old-secret",
        });

        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync("api/notifications?secret=the-new-secret", Notification())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync("api/notifications?secret=the-old-secret", Notification())).StatusCode);
        var wrong = await server.Http.PostAsync("api/notifications?secret=the-old-secret-x", Notification());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("invalid_secret", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.PostAsync("api/notifications", Notification())).StatusCode);
        Assert.Equal(2, await QueuedAsync(server));
    }

    [Fact]
    public async Task With_the_allow_list_only_Mercado_Libres_addresses_get_in()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var server = await ServerHost.StartAsync(azurite.ConnectionString, settings: new Dictionary<string, string?>
        {
            ["Server:PumpEnabled"] = "false",
            ["Notifications:AllowedIps"] = "meli",
        });

        var direct = await server.Http.PostAsync("api/notifications", Notification()); // from 127.0.0.1
        Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);
        Assert.Contains("address_not_allowed", await direct.Content.ReadAsStringAsync());
        Assert.Equal(0, await QueuedAsync(server));

        using var viaFrontEnd = new HttpRequestMessage(HttpMethod.Post, "api/notifications") { Content = Notification() };
        viaFrontEnd.Headers.Add("X-Forwarded-For", "203.0.113.9, 54.88.218.97"); // the front end appends the caller last
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(viaFrontEnd)).StatusCode);
        Assert.Equal(1, await QueuedAsync(server));
    }
}
