using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.Sandbox;
using MeliFunctions.Server;
using MeliFunctions.Stock;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Bench.Stock;

/// <summary>
/// Stock reconcile speed: one seller with N listings (default 5,000), a share of them off
/// (default 10%), MeLi's pace (5 requests a second). Needs a storage account in
/// <c>AzureWebJobsStorage</c> (default: Azurite on its usual ports, <c>npx azurite --inMemoryPersistence</c>).
/// Arguments: <c>[listings] [differing share] [requests per second]</c>.
/// </summary>
public static class StockBench
{
    private const string AppId = "5503910054141466";
    private const string ClientSecret = "sandbox-client-secret";

    public static Command Command()
    {
        var listings = Cli.Positional("listings", 5_000, "listings of the seller");
        var share = Cli.Positional("share", 0.10, "share of them whose figure differs on Mercado Libre");
        var rate = Cli.Positional("rate", 5.0, "Mercado Libre's pace, requests a second");
        var command = new Command("stock", "stock reconcile rate (docs/stock.md, docs/benchmarks.md); prints only") { listings, share, rate };
        command.SetAction((result, _) => RunAsync(result.GetValue(listings), result.GetValue(share), result.GetValue(rate)));
        return command;
    }

    private static async Task<int> RunAsync(int listings, double share, double rate)
    {

        await using var sandbox = await MeliSandbox.StartAsync(new SandboxOptions { AppId = AppId, ClientSecret = ClientSecret });
        var server = MeliServer.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("AzureWebJobsStorage") ?? "UseDevelopmentStorage=true",
                ["Meli:ApiBaseUrl"] = sandbox.BaseUrl.ToString(),
                ["Meli:AuthBaseUrl"] = sandbox.BaseUrl.ToString(),
                ["Meli:AppId"] = AppId,
                ["Meli:ClientSecret"] = ClientSecret,
                ["Tokens:Keys"] = "bench:6d656c6966756e6374696f6e732d62656e63682d746f6b656e2d6b65792d31",
                ["OAuth:OpenEnrolment"] = "true",
                ["Server:TimersEnabled"] = "false",
                ["Server:PumpEnabled"] = "false",
                ["Meli:RequestsPerSecondPerSeller"] = rate.ToString(CultureInfo.InvariantCulture),
                ["Stock:RequestBudgetPerRun"] = "1000000",
                ["Logging:LogLevel:Default"] = "Warning",
            });
        });
        await server.StartAsync();
        try
        {
            var baseUrl = new Uri(server.Urls.First().TrimEnd('/') + "/");
            var admin = new SandboxAdminClient(new HttpClient { BaseAddress = sandbox.BaseUrl });
            var seller = await admin.CreateSellerAsync($"bench_{Environment.TickCount64}");
            await ConnectAsync(baseUrl, seller.Id);

            var ledger = server.Services.GetRequiredService<StockLedger>();
            var differing = (int)Math.Round(listings * share);
            Console.WriteLine($"Creating {listings} listings ({differing} off)...");
            for (var i = 0; i < listings; i++)
            {
                var item = (await admin.CreateItemAsync(seller.Id, $"Bench listing {i}", 100m, 50)).GetProperty("id").GetString()!;
                await ledger.SetAsync(seller.Id.ToString(CultureInfo.InvariantCulture), item, null, i < differing ? 40 : 50, "set", CancellationToken.None);
            }

            var reconciler = server.Services.GetRequiredService<StockReconciler>();
            var clock = Stopwatch.StartNew();
            var report = await reconciler.ReconcileSellerAsync(seller.Id.ToString(CultureInfo.InvariantCulture), dryRun: false, CancellationToken.None);
            clock.Stop();

            var perMinute = listings / clock.Elapsed.TotalMinutes;
            var callsPerListing = (double)report.MeliCalls / listings;
            Console.WriteLine($"Stock reconcile: {listings} listings, {differing} off, pace {rate}/s");
            Console.WriteLine($"  elapsed            {clock.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine($"  listings / minute  {perMinute:F0}");
            Console.WriteLine($"  MeLi calls         {report.MeliCalls} ({callsPerListing:F3} per listing)");
            Console.WriteLine($"  pushed {report.Count(ReconcileOutcomes.Pushed)}, failed {report.Count(ReconcileOutcomes.Failed)}, in sync {report.InSync}");
            return report.Count(ReconcileOutcomes.Failed) == 0 ? 0 : 1;
        }
        finally
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }
    }

    private static async Task ConnectAsync(Uri server, long sellerId)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var start = await browser.GetAsync(new Uri(server, "api/oauth/start"));
        var toCallback = await browser.GetAsync(start.Headers.Location!.ToString() + "&login_as=" + sellerId);
        var callback = await browser.GetAsync(toCallback.Headers.Location);
        var body = await callback.Content.ReadAsStringAsync();
        if (!callback.IsSuccessStatusCode || JsonDocument.Parse(body).RootElement.GetProperty("user_id").GetInt64() != sellerId)
        {
            throw new InvalidOperationException($"Could not connect the seller: {body}");
        }
    }
}
