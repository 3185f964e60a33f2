using Azure;
using MeliFunctions.MercadoLibre;
using MeliFunctions.Stock;

namespace MeliFunctions.Tests.Stock;

/// <summary>
/// The reconcile's comparison of one listing as a table (no I/O): what is in sync, what is pushed and
/// in which PUT, what is skipped, failed or deferred, and why.
/// </summary>
public sealed class ReconcileComparisonTests
{
    private const string Item = "MLA100";

    [Theory]
    // ledger, MeLi, raise allowed (the full run) or not (after an items notification): outcome, quantity pushed
    [InlineData(5, 5, true, "in_sync", null)]
    [InlineData(5, 5, false, "in_sync", null)]
    [InlineData(3, 5, true, ReconcileOutcomes.Pushed, 3)]     // MeLi shows more than we have: lower it
    [InlineData(3, 5, false, ReconcileOutcomes.Pushed, 3)]    // lowering never waits
    [InlineData(7, 5, true, ReconcileOutcomes.Pushed, 7)]     // the full run raises it
    [InlineData(7, 5, false, ReconcileOutcomes.Deferred, null)] // a sale may not have reached the ledger yet
    [InlineData(-2, 0, true, "in_sync", null)]                // oversold: available is zero, as MeLi says
    [InlineData(-2, 1, true, ReconcileOutcomes.Pushed, 0)]
    public void A_listing_without_variations(int ledger, int meli, bool raiseAllowed, string outcome, int? pushed)
    {
        var report = Report();

        var push = StockReconciler.Compare(report, Item, [Row(null, ledger)], Listing("active", meli, []), raiseAllowed);

        if (outcome == "in_sync")
        {
            Assert.Null(push);
            Assert.Equal(1, report.InSync);
            Assert.Empty(report.Entries);
        }
        else if (outcome == ReconcileOutcomes.Deferred)
        {
            Assert.Null(push);
            var entry = Assert.Single(report.Entries);
            Assert.Equal((ReconcileOutcomes.Deferred, ledger, meli), (entry.Outcome, entry.Ledger, entry.Meli));
            Assert.StartsWith("raise_waits_for_full_run", entry.Reason);
        }
        else
        {
            Assert.NotNull(push);
            Assert.Equal(pushed, push.Update.AvailableQuantity);
            Assert.Null(push.Update.Variations);
            var row = Assert.Single(push.Rows);
            Assert.Equal((ReconcileOutcomes.Pushed, Math.Max(0, ledger), meli), (row.Outcome, row.Ledger, row.Meli));
            Assert.Empty(report.Entries); // the pushed rows are recorded when the PUT is answered
        }
    }

    [Theory]
    [InlineData("closed", "", "listing_closed")]
    [InlineData("under_review", "", "listing_under_review")]
    [InlineData("paused", "under_review", "listing_under_review")]
    public void A_listing_MeLi_refuses_stock_updates_for_is_skipped(string status, string subStatus, string reason)
    {
        var report = Report();
        var listing = new MeliItem(Item, status, subStatus.Length == 0 ? [] : [subStatus], 5, []);

        Assert.Null(StockReconciler.Compare(report, Item, [Row(null, 1)], listing, raiseAllowed: true));

        var entry = Assert.Single(report.Entries);
        Assert.Equal(ReconcileOutcomes.Skipped, entry.Outcome);
        Assert.StartsWith(reason + ":", entry.Reason);
    }

    [Fact]
    public void A_PUT_for_a_listing_with_variations_names_every_variation_and_sets_only_those_that_differ()
    {
        var report = Report();
        var listing = Listing("active", null, [new MeliItemVariation(1, 4), new MeliItemVariation(2, 9), new MeliItemVariation(3, 0)]);

        var push = StockReconciler.Compare(report, Item, [Row(1, 4), Row(2, 6)], listing, raiseAllowed: true);

        Assert.NotNull(push);
        Assert.Null(push.Update.AvailableQuantity);
        Assert.Equal(new[] { new MeliItemVariation(1, null), new MeliItemVariation(2, 6), new MeliItemVariation(3, null) }, push.Update.Variations!);
        Assert.Equal((2L, 6, 9), (push.Rows.Single().VariationId!.Value, push.Rows.Single().Ledger!.Value, push.Rows.Single().Meli!.Value));
        Assert.Equal(1, report.InSync);
    }

    [Fact]
    public void A_listing_row_for_a_listing_with_variations_and_an_unknown_variation_fail_with_the_reason()
    {
        var report = Report();
        var listing = Listing("active", null, [new MeliItemVariation(1, 4)]);

        Assert.Null(StockReconciler.Compare(report, Item, [Row(null, 4), Row(8, 2)], listing, raiseAllowed: true));

        Assert.Equal(
            new (long?, string)[] { (null, "listing_has_variations"), (8, "variation_not_found") },
            report.Entries.Select(e => (e.VariationId, e.Reason!.Split(':')[0])).ToArray());
        Assert.All(report.Entries, e => Assert.Equal(ReconcileOutcomes.Failed, e.Outcome));
    }

    private static ReconcileReport Report() => new() { SellerId = "77", Mode = "full", DryRun = false, StartedAt = DateTimeOffset.UnixEpoch };

    private static LedgerRow Row(long? variationId, int quantity) =>
        new("77", Item, variationId, quantity, [], null, null, null, new ETag("x"));

    private static MeliItem Listing(string status, int? available, IReadOnlyList<MeliItemVariation> variations) =>
        new(Item, status, [], available, variations);
}
