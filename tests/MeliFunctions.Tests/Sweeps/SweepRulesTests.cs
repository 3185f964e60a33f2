using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.Sweeps;

namespace MeliFunctions.Tests.Sweeps;

/// <summary>The sweeps' pure decisions.</summary>
public sealed class SweepRulesTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 10, 14, 30, 0, TimeSpan.Zero);

    public static TheoryData<string, DateTimeOffset?, string?, DateTimeOffset?, string?, bool> Cases => new()
    {
        { "not stored", null, null, T, "paid", true },
        { "stored older", T.AddMinutes(-1), "paid", T, "paid", true },
        { "stored same", T, "paid", T, "paid", false },
        { "stored newer than the listing (search lags)", T.AddMinutes(1), "cancelled", T, "paid", false },
        { "same time, other status", T, "paid", T, "cancelled", true },
        { "listing without a time", T, "paid", null, "paid", true },
        { "stored without a time", null, "paid", T, "paid", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_store_is_behind_only_when_it_lacks_the_order_or_holds_an_older_one(string why, DateTimeOffset? storedAt, string? storedStatus, DateTimeOffset? listedAt, string? listedStatus, bool behind)
    {
        var stored = why == "not stored" ? null : new StoredStamp(storedAt, storedStatus);
        Assert.Equal(behind, SweepRules.StoreIsBehind(stored, new ListedOrder(1, listedAt, listedStatus)));
    }

    [Fact]
    public void An_order_changed_just_before_the_hour_is_inside_a_window_that_starts_just_after_it()
    {
        // The last sweep began at 15:00:30; the order changed at 14:59:50 and MeLi's search did not list it yet.
        var watermark = new DateTimeOffset(2026, 3, 10, 15, 0, 30, TimeSpan.Zero);
        var changed = new DateTimeOffset(2026, 3, 10, 14, 59, 50, TimeSpan.Zero);

        var from = SweepRules.ChangedFrom(watermark, TimeSpan.FromMinutes(15), T, TimeSpan.FromDays(2));

        Assert.Equal(new DateTimeOffset(2026, 3, 10, 14, 0, 0, TimeSpan.Zero), from);
        Assert.True(SweepRules.FloorHour(changed) >= from);
        Assert.Equal("2026-03-10T14:00:00.000-00:00", SweepRules.FilterDate(from));
    }

    [Fact]
    public void A_first_sweep_looks_back_the_first_window()
    {
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 14, 0, 0, TimeSpan.Zero), SweepRules.ChangedFrom(null, TimeSpan.FromMinutes(15), T, TimeSpan.FromDays(2)));
    }

    [Fact]
    public void A_page_key_range_holds_every_id_compared_as_stored_strings()
    {
        var (low, high) = SweepRules.KeyRange([2000000000000120, 999999999, 2000000000000005]);
        Assert.Equal("2000000000000005", low);
        Assert.Equal("999999999", high);
    }

    [Fact]
    public void The_run_cap_counts_calls_in_the_run_scope_and_queued_orders()
    {
        using var calls = MeliCallScope.Begin(MeliPriority.Background);
        var cap = new SweepCap(calls, maxRequests: 3);

        Assert.True(cap.TryQueue());
        Assert.True(cap.TryQueue());
        Assert.True(cap.TryQueue());
        Assert.False(cap.TryQueue());
        Assert.Equal(3, cap.Spent);
        Assert.True(cap.Exhausted);
    }
}
