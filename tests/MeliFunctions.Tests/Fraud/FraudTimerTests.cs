using System.Text.Json.Nodes;
using MeliFunctions.Fraud;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Fraud;

/// <summary>The Server's driver never loses a wait: a timer that wakes early leaves another behind.</summary>
public sealed class FraudTimerTests(FractionalWaitWorld world) : IClassFixture<FractionalWaitWorld>
{
    [Fact]
    public async Task Ten_cases_waiting_for_MeLi_each_move_on_when_their_wait_ends()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_TEMPORIZADOR");
        var orders = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            orders.Add(await world.CreateOrderAsync(seller, "me2", fraud: true));
        }

        foreach (var orderId in orders)
        {
            var fraudCase = await world.WaitForCaseAsync(orderId, "cancelled", TimeSpan.FromSeconds(60));
            Assert.Equal(1, FraudWorld.Steps(fraudCase).Count(s => s == "inspect_shipment"));
            Assert.Equal(1, await world.FeedbackPostsAsync(orderId));
        }
    }
}

/// <summary>The hold is released only while the order is still untagged.</summary>
public sealed class FraudReleaseTests(PatientWorld world) : IClassFixture<PatientWorld>
{
    [Fact]
    public async Task An_order_tagged_again_while_its_hold_is_being_released_keeps_the_hold()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_RETAG");
        var orderId = await world.CreateOrderAsync(seller, "me2", fraud: true);
        await world.WaitForCaseAsync(orderId, "awaiting_meli_cancel");
        var steps = world.Server.App.Services.GetRequiredService<FraudSteps>();
        var retagged = 0;
        steps.BeforeReleaseHold = async (c, ct) =>
        {
            if (c.OrderId == orderId && Interlocked.Exchange(ref retagged, 1) == 0)
            {
                // MeLi tags the order again after the flow decided to release it, before the release.
                await world.Admin.OrderActionAsync(orderId, "flag-fraud", ct: ct);
                await FraudWorld.EventuallyAsync(() => world.StoredOrderAsync(orderId), o => Tagged(o), "the tag stored again");
            }
        };
        JsonObject fraudCase;
        try
        {
            await world.Admin.OrderActionAsync(orderId, "clear-fraud");
            fraudCase = (await FraudWorld.EventuallyAsync(() => world.FraudCaseAsync(orderId),
                c => Volatile.Read(ref retagged) == 1 && c?["state"]?.GetValue<string>() is "awaiting_meli_cancel" or "dismissed" && c["in_progress"] is null,
                "the case settled after the release step"))!;
        }
        finally
        {
            steps.BeforeReleaseHold = null;
        }

        Assert.Equal("awaiting_meli_cancel", fraudCase["state"]!.GetValue<string>());
        Assert.True(fraudCase["hold"]!.GetValue<bool>());
        var stored = await world.StoredOrderAsync(orderId);
        Assert.True(Tagged(stored));
        Assert.True(stored["_sync"]!["held"]!.GetValue<bool>());
    }

    private static bool Tagged(JsonObject order) =>
        order["tags"] is JsonArray tags && tags.Any(t => t?.GetValue<string>() == "fraud_risk_detected");
}
