using System.Text.Json.Nodes;
using Azure.Storage.Queues.Models;
using MeliFunctions.Notifications;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Queueing;

/// <summary>
/// The Functions App's way to retry a notification (<see cref="NotificationProcessor.ProcessAndResendRetryAsync"/>):
/// the test takes each message from Azurite as the Functions queue trigger does (dequeue, run,
/// delete on a normal return), against the sandbox answering 5xx.
/// </summary>
public sealed class ResendRetryTests(NoPumpMeliWorld world) : IClassFixture<NoPumpMeliWorld>
{
    [Fact]
    public async Task A_retry_sent_as_a_new_copy_carries_the_attempt_waits_longer_each_time_and_parks_at_the_limit()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_REENVIO");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["rate_5xx"] = 1.0 });
        var notificationId = Guid.NewGuid().ToString("N");
        var queue = world.Server.Storage.Queue(StorageNames.NotificationsQueue);
        await queue.SendMessageAsync(new NotificationMessage
        {
            SellerId = seller.ToString(),
            Resource = $"/orders/{orderId}",
            Topic = "orders_v2",
            NotificationId = notificationId,
            Received = DateTimeOffset.UtcNow,
        }.ToJson());
        var processor = world.Server.App.Services.GetRequiredService<NotificationProcessor>();

        var copies = new List<(QueueMessage Message, DateTimeOffset TakenAt, long SyncAttempts, WorkResult Result)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (copies.Count == 0 || copies[^1].Result == WorkResult.Retry)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no end after {copies.Count} copies");
            var taken = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
            foreach (var m in taken)
            {
                if (!m.MessageText.Contains(notificationId, StringComparison.Ordinal))
                {
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt); // the sandbox's own notification of the order
                    continue;
                }

                var takenAt = DateTimeOffset.UtcNow;
                var outcome = await processor.ProcessAndResendRetryAsync(m.MessageText, m.DequeueCount, CancellationToken.None);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt); // the host deletes the message on a normal return
                copies.Add((m, takenAt, NotificationMessage.TryParse(m.MessageText)!.SyncAttempts, outcome.Result));
            }

            await Task.Delay(50);
        }

        // Five attempts in all (host.json maxDequeueCount), each a copy taken once, carrying the attempts before it.
        Assert.Equal([0L, 1, 2, 3, 4], copies.Select(c => c.SyncAttempts));
        Assert.All(copies, c => Assert.Equal(1, c.Message.DequeueCount));
        Assert.Equal([WorkResult.Retry, WorkResult.Retry, WorkResult.Retry, WorkResult.Retry, WorkResult.Parked], copies.Select(c => c.Result));

        // Each copy was due after the growing delay: 1 s, 2 s, then 3 s (Retry__MaxDelay), jitter never past it.
        var expected = new[] { 1.0, 2.0, 3.0, 3.0 };
        for (var i = 1; i < copies.Count; i++)
        {
            var waited = copies[i].TakenAt - copies[i].Message.InsertedOn!.Value;
            Assert.True(waited >= TimeSpan.FromSeconds(expected[i - 1]) - TimeSpan.FromMilliseconds(50), $"copy {i} was taken {waited} after it was sent; due after {expected[i - 1]} s");
        }

        // Parked with the reason, as the first message came (a requeue from poison starts afresh), and nothing left behind.
        var parked = Assert.Single(await world.PoisonAsync(), p => p.Original.Contains(notificationId, StringComparison.Ordinal));
        Assert.Contains("gave up after 5 attempts", parked.Reason);
        Assert.Equal(5, parked.Envelope["dequeue_count"]!.GetValue<int>());
        Assert.Equal(0, NotificationMessage.TryParse(parked.Original)!.SyncAttempts);
        Assert.DoesNotContain("sync_attempts", parked.Original, StringComparison.Ordinal);
        Assert.DoesNotContain((await queue.PeekMessagesAsync(32)).Value, m => m.MessageText.Contains(notificationId, StringComparison.Ordinal));
        await world.Admin.ResetFaultsAsync();
    }

    [Fact]
    public void The_attempt_count_is_added_to_the_message_text_leaving_every_other_field_as_it_was()
    {
        var text = """{"v":1,"seller_id":"7","resource":"/orders/1","topic":"orders_v2","received":"2026-01-02T03:04:05+00:00","trace_parent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","extra":true}""";

        var second = NotificationMessage.WithSyncAttempts(text, 1);
        var third = NotificationMessage.WithSyncAttempts(second, 2);

        Assert.Equal(2, NotificationMessage.TryParse(third)!.SyncAttempts);
        var fields = JsonNode.Parse(third)!.AsObject();
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", fields["trace_parent"]!.GetValue<string>());
        Assert.True(fields["extra"]!.GetValue<bool>());
        Assert.Equal(JsonNode.Parse(text)!.ToJsonString(), NotificationMessage.WithSyncAttempts(third, 0));
        Assert.DoesNotContain("sync_attempts", new NotificationMessage { SellerId = "7", Resource = "/orders/1", Topic = "orders_v2", Received = DateTimeOffset.UnixEpoch }.ToJson(), StringComparison.Ordinal);
    }
}
