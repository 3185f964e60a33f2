using MeliFunctions.Stock;

namespace MeliFunctions.Tests.Stock;

/// <summary>The pure rule: what a cancellation means for the goods, decided from the shipment.</summary>
public sealed class CancellationGoodsTests
{
    [Theory]
    [InlineData(true, "pending", null, "drop_off", false, GoodsVerdict.Restore)]
    [InlineData(true, "handling", null, "drop_off", false, GoodsVerdict.Restore)]
    [InlineData(true, "ready_to_ship", "ready_to_print", "drop_off", false, GoodsVerdict.Restore)]
    [InlineData(true, "ready_to_ship", "printed", "cross_docking", false, GoodsVerdict.Restore)]
    [InlineData(true, "to_be_agreed", null, null, false, GoodsVerdict.Restore)]
    [InlineData(true, "cancelled", "fraudulent", "drop_off", false, GoodsVerdict.Restore)]
    [InlineData(false, null, null, null, false, GoodsVerdict.Restore)]
    [InlineData(true, "shipped", null, "drop_off", false, GoodsVerdict.Wait)]
    [InlineData(true, "not_delivered", null, "drop_off", false, GoodsVerdict.Wait)]
    [InlineData(true, "not_delivered", "returning_to_sender", "drop_off", false, GoodsVerdict.Wait)]
    [InlineData(true, "not_delivered", "returned", "drop_off", false, GoodsVerdict.Restore)]
    [InlineData(true, "delivered", null, "drop_off", false, GoodsVerdict.NoRestore)]
    [InlineData(true, "ready_to_ship", "in_warehouse", "fulfillment", false, GoodsVerdict.NotOurs)]
    [InlineData(true, "delivered", null, "fulfillment", false, GoodsVerdict.NotOurs)]
    [InlineData(true, "ready_to_ship", null, "drop_off", true, GoodsVerdict.Hold)]
    [InlineData(true, "ready_to_ship", null, "fulfillment", true, GoodsVerdict.NotOurs)]
    [InlineData(true, "closed", null, "drop_off", false, GoodsVerdict.Hold)]
    [InlineData(true, "teleported", null, "drop_off", false, GoodsVerdict.Hold)]
    [InlineData(true, null, null, null, false, GoodsVerdict.Hold)]
    public void A_cancellation_is_decided_from_the_shipment(bool hasShipment, string? status, string? substatus, string? logistic, bool packDisagrees, GoodsVerdict expected)
    {
        var decision = CancellationGoods.Decide(new CancellationFacts(hasShipment, status, substatus, logistic, packDisagrees), UnknownShipmentDefault.Hold);

        Assert.Equal(expected, decision.Verdict);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
    }

    [Theory]
    [InlineData(UnknownShipmentDefault.Hold, GoodsVerdict.Hold)]
    [InlineData(UnknownShipmentDefault.Restore, GoodsVerdict.Restore)]
    public void An_unknown_shipment_status_takes_the_configured_default(UnknownShipmentDefault configured, GoodsVerdict expected)
    {
        Assert.Equal(expected, CancellationGoods.Decide(new CancellationFacts(true, "something_new", null, "drop_off"), configured).Verdict);
        Assert.Equal(expected, CancellationGoods.Decide(new CancellationFacts(true, null, null, null), configured).Verdict);
    }

    [Fact]
    public void A_known_status_never_takes_the_default()
    {
        Assert.Equal(GoodsVerdict.Wait, CancellationGoods.Decide(new CancellationFacts(true, "shipped", null, "drop_off"), UnknownShipmentDefault.Restore).Verdict);
        Assert.Equal(GoodsVerdict.NoRestore, CancellationGoods.Decide(new CancellationFacts(true, "delivered", null, "drop_off"), UnknownShipmentDefault.Restore).Verdict);
    }
}
