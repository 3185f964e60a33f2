using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Tests.Queueing;

/// <summary>The Server's pump and the Functions App read the same host.json, and agree on the message encoding.</summary>
public sealed class QueueSemanticsTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public void The_Server_takes_its_queue_settings_from_the_repo_host_json()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")));
        var queues = hostJson.RootElement.GetProperty("extensions").GetProperty("queues");

        var settings = world.Server.App.Services.GetRequiredService<IOptions<QueueTriggerSettings>>().Value;

        Assert.Equal(queues.GetProperty("maxDequeueCount").GetInt32(), settings.MaxDequeueCount);
        Assert.Equal(queues.GetProperty("batchSize").GetInt32(), settings.BatchSize);
        Assert.Equal(TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!), settings.VisibilityTimeout);
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal("base64", settings.MessageEncoding);
    }

    [Fact]
    public async Task A_message_that_is_not_Base64_goes_straight_to_poison_as_the_Functions_trigger_does()
    {
        var raw = world.RawQueue(StorageNames.NotificationsQueue); // writes the text as is, not Base64
        await raw.SendMessageAsync("{not base64 at all}");

        var poison = await world.EventuallyAsync(world.PoisonAsync, p => p.Any(m => m.Original.Contains("not base64 at all")), "the message in poison");

        var parked = poison.Single(m => m.Original.Contains("not base64 at all"));
        Assert.Equal("undecodable_message", parked.Envelope["error"]!.GetValue<string>());
        Assert.Equal(1, parked.Envelope["dequeue_count"]!.GetValue<int>()); // no retries
    }

    [Fact]
    public async Task A_Base64_message_that_is_not_a_notification_is_parked_with_the_reason()
    {
        await world.Server.Storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync("""{"hello":"world"}""");

        var poison = await world.EventuallyAsync(world.PoisonAsync, p => p.Any(m => m.Original.Contains("hello")), "the message in poison");

        var parked = poison.Single(m => m.Original.Contains("hello"));
        Assert.Equal("unreadable_message", parked.Envelope["error"]!.GetValue<string>());
        Assert.Contains("not a notification message", parked.Reason);
        _ = JsonNode.Parse(parked.Original); // the original is kept as it was, for a requeue
    }
}
