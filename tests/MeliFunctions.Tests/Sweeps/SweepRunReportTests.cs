using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Sweeps;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Sweeps;

/// <summary>Sweeps with scripted hooks and a 5 s lease, so a run whose process stopped shows it soon.</summary>
public sealed class ShortLeaseSweepWorld : MeliWorld
{
    public ShortLeaseSweepWorld()
        : this(new ScriptedSweepHooks())
    {
    }

    private ShortLeaseSweepWorld(ScriptedSweepHooks hooks)
        : base(new Dictionary<string, string?>
        {
            ["Sweeps:RequestsPerSecond"] = "0",
            ["Sweeps:LeaseDuration"] = "00:00:05",
        }, builder => builder.Services.AddSingleton<ISweepHooks>(hooks)) =>
        Hooks = hooks;

    public ScriptedSweepHooks Hooks { get; }

    public SweepStateStore State => Server.App.Services.GetRequiredService<SweepStateStore>();

    public async Task<JsonObject> RunAsync(string runId) =>
        JsonNode.Parse(await Server.Management.GetStringAsync($"api/admin/sweep/{runId}"))!.AsObject();
}

/// <summary>A sweep run's report holds any number of sellers, and never reads as running once its process has stopped.</summary>
public sealed class SweepRunReportTests(ShortLeaseSweepWorld world) : IClassFixture<ShortLeaseSweepWorld>
{
    [Fact]
    public async Task A_report_of_300_sellers_is_saved_and_read_back_whole()
    {
        var runId = SweepRunner.NewRunId();
        var sellers = new JsonArray(Enumerable.Range(0, 300).Select(i => (JsonNode)new JsonObject
        {
            ["seller_id"] = (240000000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["status"] = "swept",
            ["pending"] = new JsonObject { ["source"] = "pending", ["pages"] = 1, ["listed"] = 12, ["queued"] = 3 },
            ["changed"] = new JsonObject { ["from"] = "2026-11-23T10:00:00.000-00:00", ["resumed_at_offset"] = null, ["pages"] = 2, ["listed"] = 60, ["queued"] = 7, ["completed"] = true },
            ["stuck"] = new JsonObject { ["queued"] = 0 },
            ["follow_up"] = new JsonObject { ["queued"] = 0 },
            ["requests"] = 14,
        }).ToArray());
        var report = new JsonObject
        {
            ["run_id"] = runId,
            ["kind"] = "sweep",
            ["state"] = "completed",
            ["seller"] = null,
            ["started_at"] = DateTimeOffset.UtcNow,
            ["sellers"] = sellers,
            ["missed_feeds"] = new JsonObject { ["pages"] = 1, ["listed"] = 0, ["replayed"] = 0 },
            ["finished_at"] = DateTimeOffset.UtcNow,
        };
        Assert.True(report.ToJsonString().Length > 64 * 1024, "the report is larger than one table property");

        await world.State.SaveRunAsync(runId, "sweep", "completed", report, CancellationToken.None);

        var read = await world.RunAsync(runId);
        Assert.Equal("completed", read["state"]!.GetValue<string>());
        Assert.Equal(sellers.ToJsonString(), read["sellers"]!.ToJsonString());
        Assert.Equal(0, read["missed_feeds"]!["replayed"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_run_left_running_by_a_process_that_stopped_reads_as_interrupted()
    {
        var runId = SweepRunner.NewRunId();
        // What a process that died right after starting a run leaves behind.
        await world.State.SaveRunAsync(runId, "sweep", "running",
            new JsonObject { ["run_id"] = runId, ["kind"] = "sweep", ["state"] = "running", ["started_at"] = DateTimeOffset.UtcNow }, CancellationToken.None);
        Assert.Equal("running", (await world.RunAsync(runId))["state"]!.GetValue<string>());

        var read = await world.EventuallyAsync(() => world.RunAsync(runId), r => r["state"]!.GetValue<string>() != "running", "the run to read as ended");
        Assert.Equal("interrupted", read["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_run_still_working_past_its_lease_reads_as_running_and_then_completes()
    {
        var seller = await world.ConnectSellerAsync("SWEEP_LARGO");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        world.Hooks.OnStep = async step =>
        {
            if (step.SellerId == seller.ToString() && step.Point == "page_read")
            {
                held.TrySetResult();
                await release.Task;
            }
        };
        try
        {
            var started = await world.Server.Management.PostAsync($"api/admin/sweep?seller={seller}", null);
            var runId = JsonNode.Parse(await started.Content.ReadAsStringAsync())!["run_id"]!.GetValue<string>();
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var firstLease = (await LeaseAsync(runId))!.Value;

            // Past the first lease, renewed by the live run.
            await world.EventuallyAsync(() => LeaseAsync(runId), l => DateTimeOffset.UtcNow > firstLease && l > firstLease, "the run's lease renewed past its first end");
            Assert.Equal("running", (await world.RunAsync(runId))["state"]!.GetValue<string>());

            release.SetResult();
            var done = await world.EventuallyAsync(() => world.RunAsync(runId), r => r["state"]!.GetValue<string>() != "running", "the run to finish");
            Assert.Equal("completed", done["state"]!.GetValue<string>());
        }
        finally
        {
            release.TrySetResult();
            world.Hooks.OnStep = null;
        }
    }

    private async Task<DateTimeOffset?> LeaseAsync(string runId) =>
        (await world.Server.Storage.Table(StorageNames.SweepStateTable).GetEntityAsync<TableEntity>(SweepStateStore.RunPartition, runId)).Value.GetDateTimeOffset("LeaseUntil");
}
