using Azure;
using MeliFunctions.Notifications;
using MeliFunctions.Orders;

namespace MeliFunctions.Tests.Orders;

/// <summary>
/// OrderSync's coalescing rule as a table: a notification costs no GET when the stored read began
/// after Mercado Libre sent it (2 s margin for MeLi's clock) or, for a webhook message, after it
/// reached us (100 ms margin for another host's clock); never for an incomplete read or a recheck.
/// </summary>
public sealed class CoalescingRuleTests
{
    private static readonly DateTimeOffset FetchedAt = DateTimeOffset.Parse("2026-03-10T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    // sent (ms from the fetch), received (ms from the fetch), origin, stored complete, shipment read: coalesces
    [InlineData(-5000, 1000, null, true, true, true)]            // sent well before the fetch began
    [InlineData(-2001, 1000, null, true, true, true)]            // just outside MeLi's clock margin
    [InlineData(-2000, 1000, null, true, true, false)]           // inside it, and received after the fetch
    [InlineData(-1000, 1000, "sweep", true, true, false)]        // a sweep's message: only sent counts
    [InlineData(-5000, 1000, "sweep", true, true, true)]
    [InlineData(null, -101, null, true, true, true)]             // no sent: received before the fetch began
    [InlineData(null, -100, null, true, true, false)]            // inside the other host's clock margin
    [InlineData(null, -5000, "sweep", true, true, false)]        // queued by a sweep: received says nothing
    [InlineData(null, -5000, "refetch_partial", true, true, false)]
    [InlineData(500, -5000, null, true, true, true)]             // sent after the fetch, but it reached us before it
    [InlineData(-5000, -5000, "recheck_stale", true, true, false)] // a recheck always reads again
    [InlineData(-5000, -5000, null, false, true, false)]         // the stored read was partial (206)
    [InlineData(-5000, -5000, null, true, false, false)]         // its shipment was never read
    public void A_notification_is_answered_by_a_read_that_began_after_it(int? sentMs, int receivedMs, string? origin, bool complete, bool shipmentRead, bool coalesces)
    {
        var stored = Stored(complete, shipmentRead);
        var message = new NotificationMessage
        {
            SellerId = "77",
            Resource = "/orders/1",
            Topic = NotificationTopics.OrdersV2,
            Sent = sentMs is { } s ? FetchedAt.AddMilliseconds(s) : null,
            Received = FetchedAt.AddMilliseconds(receivedMs),
            Origin = origin,
        };

        Assert.Equal(coalesces, OrderSync.Coalesces(stored, message));
    }

    [Fact]
    public void Nothing_stored_never_coalesces()
    {
        var message = new NotificationMessage { SellerId = "77", Resource = "/orders/1", Topic = NotificationTopics.OrdersV2, Sent = FetchedAt.AddHours(-1), Received = FetchedAt.AddHours(-1) };

        Assert.False(OrderSync.Coalesces(null, message));
    }

    private static StoredOrder Stored(bool complete, bool shipmentRead) =>
        new("77", 1, "{\"id\":1}", "paid", FetchedAt.AddMinutes(-1), FetchedAt, FetchedAt, 1, complete ? [] : ["buyer"], new ETag("x"))
        {
            Shipping = shipmentRead ? new OrderShipping(9, "ready_to_ship", null, 10m, "ARS", 110m, null, null) : null,
        };
}
