using System.Text.Json.Nodes;
using MeliFunctions.Orders;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Orders;

/// <summary>
/// OrderStore.UpsertIfNewerAsync against a real Azurite: only a newer last_updated is ever written.
/// The tests share one Azurite (each writes its own order ids).
/// </summary>
public sealed class OrderStoreTests(StorageFixture storage) : IClassFixture<StorageFixture>
{
    private readonly OrderStore _store = new(storage.Storage, TimeProvider.System);

    private static JsonObject Order(long id, int minute, string status) => new()
    {
        ["id"] = id,
        ["status"] = status,
        ["last_updated"] = $"2026-03-01T10:{minute:00}:00.000-04:00",
        ["seller"] = new JsonObject { ["id"] = 77 },
        ["buyer"] = new JsonObject { ["id"] = 5, ["nickname"] = "COMPRADOR" + minute },
    };

    [Fact]
    public async Task A_crash_right_after_the_rows_write_leaves_its_follow_up_mark_for_the_repair_pass()
    {
        var store = new OrderStore(storage.Storage, TimeProvider.System) { AfterRowWrite = () => throw new OperationCanceledException("the process died here") };
        var now = DateTimeOffset.UtcNow;
        // A new order, crashing after its row.
        await Assert.ThrowsAsync<OperationCanceledException>(() => store.UpsertIfNewerAsync("78", Order(7, 20, "paid"), [], now, default));

        // A stored order whose follow-up is done, then a newer version crashing after its row.
        store.AfterRowWrite = null;
        var first = await store.UpsertIfNewerAsync("78", Order(8, 20, "paid"), [], now, default);
        Assert.True(await store.CompleteFollowUpAsync(first.Stored, default));
        store.AfterRowWrite = () => throw new OperationCanceledException("the process died here");
        await Assert.ThrowsAsync<OperationCanceledException>(() => store.UpsertIfNewerAsync("78", Order(8, 30, "cancelled"), [], now.AddSeconds(1), default));

        var marks = await store.ListFollowUpMarksAsync("78", default);
        foreach (var orderId in new long[] { 7, 8 })
        {
            var stored = (await store.GetAsync("78", orderId, default))!;
            Assert.True(stored.FollowUpPending, $"order {orderId} is stored with its follow-up pending");
            var mark = Assert.Single(marks, m => m.OrderId == orderId);
            Assert.Equal(stored.SyncedAt, mark.SyncedAt);
        }
    }

    [Fact]
    public async Task A_follow_up_done_for_an_older_version_leaves_the_newer_versions_mark()
    {
        var now = DateTimeOffset.UtcNow;
        var first = await _store.UpsertIfNewerAsync("79", Order(9, 20, "paid"), [], now, default);
        var second = await _store.UpsertIfNewerAsync("79", Order(9, 30, "cancelled"), [], now.AddSeconds(1), default);
        Assert.Equal(UpsertOutcome.Updated, second.Outcome);

        // The first version's follow-up finishing late removes no mark of the second.
        await _store.UnmarkFollowUpAsync("79", 9, first.Stored.SyncedAt, default);
        Assert.Single(await _store.ListFollowUpMarksAsync("79", default), m => m.OrderId == 9);

        Assert.True(await _store.CompleteFollowUpAsync((await _store.GetAsync("79", 9, default))!, default));
        Assert.DoesNotContain(await _store.ListFollowUpMarksAsync("79", default), m => m.OrderId == 9);
    }

    [Fact]
    public async Task An_older_last_updated_never_overwrites_a_newer_one()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(UpsertOutcome.Inserted, (await _store.UpsertIfNewerAsync("77", Order(1, 20, "cancelled"), [], now, default)).Outcome);

        var older = await _store.UpsertIfNewerAsync("77", Order(1, 10, "paid"), [], now.AddSeconds(1), default);
        var same = await _store.UpsertIfNewerAsync("77", Order(1, 20, "paid"), [], now.AddSeconds(2), default);

        Assert.Equal(UpsertOutcome.NotNewer, older.Outcome);
        Assert.Equal(UpsertOutcome.NotNewer, same.Outcome);
        var stored = (await _store.GetAsync("77", 1, default))!;
        Assert.Equal("cancelled", stored.Status);
        Assert.Equal(1, stored.Version);
        Assert.Equal(now.AddSeconds(2), stored.FetchedAt); // the fetch time still moves on
    }

    [Fact]
    public async Task A_newer_last_updated_replaces_the_order_and_bumps_the_version()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.UpsertIfNewerAsync("77", Order(2, 10, "paid"), [], now, default);

        var result = await _store.UpsertIfNewerAsync("77", Order(2, 11, "cancelled"), [], now.AddSeconds(1), default);

        Assert.Equal(UpsertOutcome.Updated, result.Outcome);
        Assert.Equal("paid", result.Previous!["status"]!.GetValue<string>());
        var stored = (await _store.GetAsync("77", 2, default))!;
        Assert.Equal(("cancelled", 2), (stored.Status, stored.Version));
    }

    [Fact]
    public async Task Concurrent_writes_in_any_order_end_with_the_newest_version()
    {
        var now = DateTimeOffset.UtcNow;
        var minutes = Enumerable.Range(1, 12).OrderBy(_ => Random.Shared.Next()).ToList();

        await Task.WhenAll(minutes.Select(m => Task.Run(() => _store.UpsertIfNewerAsync("77", Order(3, m, "v" + m), [], now, default))));

        var stored = (await _store.GetAsync("77", 3, default))!;
        Assert.Equal("v12", stored.Status);
        Assert.Equal(DateTimeOffset.Parse("2026-03-01T10:12:00.000-04:00"), stored.LastUpdated);
        Assert.InRange(stored.Version, 1, 12);
    }

    [Fact]
    public async Task A_partial_read_keeps_the_stored_buyer_and_a_fetch_time_never_moves_back()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.UpsertIfNewerAsync("77", Order(4, 10, "paid"), [], now, default);
        var partial = Order(4, 11, "paid");
        partial["buyer"] = new JsonObject();

        await _store.UpsertIfNewerAsync("77", partial, ["buyer"], now.AddSeconds(5), default);
        await _store.UpsertIfNewerAsync("77", Order(4, 11, "paid"), [], now.AddSeconds(1), default);

        var stored = (await _store.GetAsync("77", 4, default))!;
        Assert.Equal("COMPRADOR10", stored.Order["buyer"]!["nickname"]!.GetValue<string>());
        Assert.Empty(stored.MissingBlocks);
        Assert.Equal(now.AddSeconds(5), stored.FetchedAt);
    }
}
