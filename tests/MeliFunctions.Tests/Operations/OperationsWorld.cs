using System.Text.Json.Nodes;
using MeliFunctions.Notifications;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Operations;

/// <summary>What the operations tests set up: an order MeLi never notified, and its notification parked in poison.</summary>
public static class OperationsWorld
{
    /// <summary>Creates a paid order in the sandbox without notifying it, so only a requeued message can bring it in.</summary>
    public static async Task<long> CreateUnnotifiedOrderAsync(this MeliWorld world, long sellerId, string title = "Bicicleta Rodado 29")
    {
        var item = await world.Admin.CreateItemAsync(sellerId, title, 250000m, 5);
        var order = await world.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = sellerId,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item.GetProperty("id").GetString(), ["quantity"] = 1 }),
            ["status"] = "paid",
            ["notify"] = false,
        });
        return order.GetProperty("id").GetInt64();
    }

    /// <summary>Parks the order's notification in <c>meli-notifications-poison</c> as the processor does, with a reason.</summary>
    public static async Task<string> ParkNotificationAsync(this MeliWorld world, long sellerId, long orderId, string reason, string error)
    {
        var message = new NotificationMessage
        {
            SellerId = sellerId.ToString(),
            Resource = $"/orders/{orderId}",
            Topic = "orders_v2",
            ApplicationId = long.Parse(ServerHost.AppId),
            Received = DateTimeOffset.UtcNow,
        }.ToJson();
        await world.Server.App.Services.GetRequiredService<PoisonQueue>()
            .ParkAsync(StorageNames.NotificationsQueue, message, WorkOutcome.Park(reason, error), 5, CancellationToken.None);
        return message;
    }

    public static async Task<int> DepthAsync(this MeliWorld world, string queue) =>
        (await world.Server.Storage.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
}
