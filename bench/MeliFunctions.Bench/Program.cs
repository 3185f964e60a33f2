using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Azure.Storage.Queues;
using MeliFunctions.Bench;
using MeliFunctions.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var root = new RootCommand("Load benchmarks: print figures and record them, with the method, in docs/benchmarks.md (each mode's --help lists its options).");
root.Subcommands.Add(Bench.Command());
root.Subcommands.Add(MeliFunctions.Bench.Stock.StockBench.Command());
root.Subcommands.Add(MeliFunctions.Bench.Fraud.FraudBench.Command());
root.Subcommands.Add(MeliFunctions.Bench.Sweeps.SweepsBench.Command());
root.Subcommands.Add(MeliFunctions.Bench.Budget.BudgetBench.Command());
return await root.Parse(args).InvokeAsync();

namespace MeliFunctions.Bench
{
    internal static class Bench
    {
        public const long AppId = 5503910054141466;
        public const long SellerId = 123456789;
        public const double P99TargetMs = 50;
        public const int TargetRate = 1000;
        public const double TargetShare = 0.80;

        public sealed record Options(double Duration, int[] Rates, double StepDuration, int Step, double RawDuration, int RawConcurrency, bool WriteDocs, string[] Hosts);

        public static Command Command()
        {
            var duration = Cli.Valued("--duration", 60.0, "seconds per fixed rate");
            var rates = Cli.Numbers("--rates", [200, 500, 1000], "fixed rates, notifications/s");
            var stepDuration = Cli.Valued("--step-duration", 20.0, "seconds per step of the sustained-rate search");
            var step = Cli.Valued("--step", 250, "step of the search, notifications/s");
            var rawDuration = Cli.Valued("--raw-duration", 30.0, "seconds of the raw enqueue loop");
            var rawConcurrency = Cli.Valued("--raw-concurrency", 64, "concurrent senders of the raw enqueue loop");
            var hosts = Cli.Names("--hosts", ["server", "app"], "which hosts take the fixed rates (app = the Functions App's Release build under the Functions host)");
            var noDocs = Cli.NoDocs();
            var command = new Command("intake", "webhook ACK latency (docs/benchmarks.md)")
            {
                duration, rates, stepDuration, step, rawDuration, rawConcurrency, hosts, noDocs,
            };
            command.SetAction((result, _) => RunIntakeAsync(new Options(
                result.GetValue(duration), result.GetValue(rates)!, result.GetValue(stepDuration), result.GetValue(step),
                result.GetValue(rawDuration), result.GetValue(rawConcurrency), !result.GetValue(noDocs), result.GetValue(hosts)!)));
            return command;
        }

        public static async Task<int> RunIntakeAsync(Options options)
        {
            _ = RepoRoot(); // outside the repository, fail now rather than after the run
            var loadBefore = LoadAverage();
            Console.WriteLine($"Starting Azurite (its own process); load average {loadBefore}");
            await using var azurite = await Testing.Azurite.StartAsync();
            var storage = azurite.ConnectionString;

            var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
            queueOptions.Retry.MaxRetries = 2;
            queueOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(20);
            var queue = new QueueClient(storage, StorageNames.NotificationsQueue, queueOptions);
            await queue.CreateIfNotExistsAsync();

            async Task<StepResult> Step(IntakeHost host, HttpClient http, int rate, double seconds)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                var before = (host.CpuSeconds(), azurite.CpuSeconds, OwnCpuSeconds());
                var result = await OpenLoop.RunAsync(http, queue, rate, TimeSpan.FromSeconds(seconds));
                result = result with
                {
                    Cpu = ((host.CpuSeconds() - before.Item1) * 1000 / result.Sent, (azurite.CpuSeconds - before.Item2) * 1000 / result.Sent, (OwnCpuSeconds() - before.Item3) * 1000 / result.Sent),
                };
                await ClearAsync(queue);
                Console.WriteLine(Row(result));
                return result;
            }

            // Each host in turn against the same Azurite, the same rates: the Server, then the App under the Functions host.
            var byHost = new List<(string Host, List<StepResult> Results)>();
            foreach (var name in options.Hosts)
            {
                Console.WriteLine($"Starting {IntakeHost.Title(name)}");
                await using var host = await IntakeHost.StartAsync(name, storage);
                using var hostHttp = OpenLoop.CreateClient(host.BaseUrl);
                // Warm-up, not recorded: JIT, connections, Azurite.
                await OpenLoop.RunAsync(hostHttp, queue, 200, TimeSpan.FromSeconds(3));
                await ClearAsync(queue);
                Console.WriteLine(IntakeHost.Title(name));
                Console.WriteLine(Header);
                var hostResults = new List<StepResult>();
                foreach (var rate in options.Rates)
                {
                    hostResults.Add(await Step(host, hostHttp, rate, options.Duration));
                }

                byHost.Add((name, hostResults));
            }

            // The floor: the same Azurite, a bare QueueClient, no HTTP in between (before the search, which may stall Azurite).
            var rawQueue = new QueueClient(storage, "bench-raw", queueOptions);
            await rawQueue.CreateIfNotExistsAsync();
            await RawEnqueue.RunAsync(rawQueue, options.RawConcurrency, TimeSpan.FromSeconds(3));
            await ClearAsync(rawQueue);
            var rawBefore = (azurite.CpuSeconds, OwnCpuSeconds(), DateTime.UtcNow);
            var (raw, rawCount) = await RawEnqueue.RunAsync(rawQueue, options.RawConcurrency, TimeSpan.FromSeconds(options.RawDuration));
            var rawCpu = new RawCpu(
                (azurite.CpuSeconds - rawBefore.Item1) / (DateTime.UtcNow - rawBefore.Item3).TotalSeconds,
                (azurite.CpuSeconds - rawBefore.Item1) * 1000 / rawCount,
                (OwnCpuSeconds() - rawBefore.Item2) * 1000 / rawCount);
            await ClearAsync(rawQueue);

            // The sustained-rate search runs on the first host only.
            var first = byHost[0];
            var results = first.Results;
            await using var server = await IntakeHost.StartAsync(first.Host, storage);
            using var http = OpenLoop.CreateClient(server.BaseUrl);
            await OpenLoop.RunAsync(http, queue, 200, TimeSpan.FromSeconds(3));
            await ClearAsync(queue);
            Console.WriteLine($"Search for the sustained rate ({IntakeHost.Title(first.Host)})");
            Console.WriteLine(Header);
            Task<StepResult> SearchStep(int rate, double seconds) => Step(server, http, rate, seconds);

            // The highest rate sustained with p99 under the target: step up from the best fixed rate
            // that passed, or down from the lowest if none did.
            var search = new List<StepResult>();
            var best = results.Where(r => r.Passes).Select(r => r.Rate).DefaultIfEmpty(0).Max();
            if (best > 0)
            {
                for (var rate = best + options.Step; rate <= 20_000; rate += options.Step)
                {
                    var r = await SearchStep(rate, options.StepDuration);
                    search.Add(r);
                    if (!r.Passes)
                    {
                        break;
                    }

                    best = rate;
                }
            }
            else
            {
                for (var rate = options.Rates.Min() - 50; rate > 0; rate -= 50)
                {
                    var r = await SearchStep(rate, options.StepDuration);
                    search.Add(r);
                    if (r.Passes)
                    {
                        best = rate;
                        break;
                    }
                }
            }

            var share = best / raw;
            var at1000 = results.Concat(search).FirstOrDefault(r => r.Rate == TargetRate);
            foreach (var (name, hostResults) in byHost)
            {
                Console.WriteLine($"{IntakeHost.Title(name)}: " + string.Join(", ", hostResults.Select(r => $"{r.Rate}/s p50 {r.P50:F1} ms p99 {r.P99:F1} ms")));
            }

            var loadAfter = LoadAverage();
            Console.WriteLine();
            Console.WriteLine($"Highest rate with p99 < {P99TargetMs} ms, all 200, nothing lost: {(best > 0 ? $"{best}/s" : "none")}");
            Console.WriteLine($"Raw enqueue ({options.RawConcurrency} concurrent QueueClient senders, {options.RawDuration} s): {raw:F0} messages/s ({rawCount} sent, all drained)");
            Console.WriteLine($"  Azurite busy {rawCpu.AzuriteCores:P0} of one core, {rawCpu.AzuriteMs:F2} ms CPU per message; sender {rawCpu.SenderMs:F2} ms CPU per message");
            Console.WriteLine($"Sustained webhook rate / raw enqueue rate: {share:P0}");
            Console.WriteLine($"Target p99 < {P99TargetMs} ms at {TargetRate}/s: {(at1000 is null ? "not measured" : at1000.Passes ? "met" : "NOT met")}");
            Console.WriteLine($"Target share >= {TargetShare:P0}: {(share >= TargetShare ? "met" : "NOT met")}");
            Console.WriteLine($"Load average before {loadBefore}, after {loadAfter}");

            if (options.WriteDocs)
            {
                BenchDocs.Write(IntakeDocs.Heading, IntakeDocs.Section(options, byHost, search, best, raw, rawCpu, at1000, Testing.Azurite.Bin, loadBefore, loadAfter));
            }

            return 0;
        }

        public const string Header = "| rate/s | duration | sent | 200 | non-200 | errors | p50 ms | p99 ms | max ms | max send lag ms | drained | CPU ms/req Server / Azurite / generator |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

        public static string Row(StepResult r) =>
            $"| {r.Rate:N0} | {r.Seconds:0} s | {r.Sent:N0} | {r.Ok:N0} | {r.NotOk:N0} | {r.Errors:N0} | {r.P50:F1} | {r.P99:F1} | {r.Max:F1} | {r.MaxSendLag:F1} | {r.Queued:N0}{(!r.DrainComplete ? " (drain timed out)" : r.Queued < r.Ok ? " (LOST)" : r.Queued > r.Ok ? $" ({r.Queued - r.Ok:N0} of the timed-out also queued)" : "")} | {r.Cpu.Server:F2} / {r.Cpu.Azurite:F2} / {r.Cpu.Generator:F2} |";

        /// <summary>Clears a queue (normally already drained); an Azurite that does not answer does not stop the run.</summary>
        private static async Task ClearAsync(QueueClient queue)
        {
            try
            {
                await queue.ClearMessagesAsync();
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or OperationCanceledException)
            {
                Console.WriteLine($"Could not clear {queue.Name}: {ex.GetType().Name}");
            }
        }

        public sealed record RawCpu(double AzuriteCores, double AzuriteMs, double SenderMs);

        private static double OwnCpuSeconds() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

        public static string LoadAverage() =>
            File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

        public static string Machine()
        {
            var cpu = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                : null;
            var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
            return $"{Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {memory:F0} GiB memory, {RuntimeInformation.OSDescription}";
        }

        public static string RepoRoot()
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "MeliFunctions.sln")))
                    {
                        return dir.FullName;
                    }
                }
            }

            throw new InvalidOperationException("Run from inside the repository (no MeliFunctions.sln found above the current directory).");
        }
    }

    /// <summary>
    /// The product on loopback for the fraud and sweeps modes: Azurite (its own process, in memory,
    /// free ports), the MeLi sandbox and the Server (both in this process, real Kestrel), the
    /// sandbox notifying the Server's webhook. Logging at Warning.
    /// </summary>
    internal sealed class Loopback : IAsyncDisposable
    {
        public const string ApiKey = "bench-management-key";
        private const string ClientSecret = "sandbox-client-secret";

        private Testing.Azurite _azurite = null!;
        private Sandbox.MeliSandbox _sandbox = null!;
        private Microsoft.AspNetCore.Builder.WebApplication _server = null!;

        public Uri ServerUrl { get; private set; } = null!;

        public Sandbox.SandboxAdminClient Admin { get; private set; } = null!;

        /// <summary>Management routes (x-functions-key), with a timeout long enough for <c>wait=true</c> runs.</summary>
        public HttpClient Management { get; private set; } = null!;

        public StorageClients Storage => _server.Services.GetRequiredService<StorageClients>();

        public IServiceProvider Services => _server.Services;

        public static async Task<Loopback> StartAsync(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
        {
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__MeliFunctions"] = "Warning",
                ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning",
            })
            {
                Environment.SetEnvironmentVariable(key, value);
            }

            var w = new Loopback();
            w._azurite = await Testing.Azurite.StartAsync();
            var storage = w._azurite.ConnectionString;
            w._sandbox = await Sandbox.MeliSandbox.StartAsync(new Sandbox.SandboxOptions { AppId = $"{Bench.AppId}", ClientSecret = ClientSecret });
            w._server = Server.MeliServer.Build([], builder =>
            {
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                var all = new Dictionary<string, string?>
                {
                    ["AzureWebJobsStorage"] = storage,
                    ["Meli:ApiBaseUrl"] = w._sandbox.BaseUrl.ToString(),
                    ["Meli:AuthBaseUrl"] = w._sandbox.BaseUrl.ToString(),
                    ["Meli:AppId"] = $"{Bench.AppId}",
                    ["Meli:ClientSecret"] = ClientSecret,
                    ["Tokens:Keys"] = "bench:6d656c6966756e6374696f6e732d62656e63682d746f6b656e2d6b65792d31",
                    ["OAuth:OpenEnrolment"] = "true",
                    ["Server:ApiKey"] = ApiKey,
                    // No timers: the pending sweep and the stock reconcile would run on their own schedule.
                    ["Server:TimersEnabled"] = "false",
                };
                foreach (var (key, value) in settings)
                {
                    all[key] = value;
                }

                builder.Configuration.AddInMemoryCollection(all);
                services?.Invoke(builder.Services);
            });
            await w._server.StartAsync();
            w.ServerUrl = new Uri(w._server.Urls.First().TrimEnd('/') + "/");
            w.Admin = new Sandbox.SandboxAdminClient(new HttpClient { BaseAddress = w._sandbox.BaseUrl, Timeout = TimeSpan.FromMinutes(5) });
            w.Management = new HttpClient { BaseAddress = w.ServerUrl, Timeout = TimeSpan.FromMinutes(30) };
            w.Management.DefaultRequestHeaders.Add("x-functions-key", ApiKey);
            await w.Admin.SetCallbackUrlAsync(new Uri(w.ServerUrl, "api/notifications").ToString());
            return w;
        }

        /// <summary>Creates a seller in the sandbox and connects it through the OAuth flow, as a seller's browser would.</summary>
        public async Task<long> ConnectSellerAsync(string nickname)
        {
            var seller = await Admin.CreateSellerAsync(nickname);
            using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
            var start = await browser.GetAsync(new Uri(ServerUrl, "api/oauth/start"));
            var toCallback = await browser.GetAsync(start.Headers.Location!.ToString() + "&login_as=" + seller.Id);
            var callback = await browser.GetAsync(toCallback.Headers.Location);
            var body = await callback.Content.ReadAsStringAsync();
            if (!callback.IsSuccessStatusCode || System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("user_id").GetInt64() != seller.Id)
            {
                throw new InvalidOperationException($"Could not connect the seller: {body}");
            }

            return seller.Id;
        }

        public async Task<int> QueueDepthAsync() =>
            (await Storage.Queue(StorageNames.NotificationsQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount;

        /// <summary>Every sandbox notification delivered (none pending) and the notifications queue empty.</summary>
        public async Task WaitUntilQuietAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while ((await Admin.GetNotificationsAsync()).EnumerateArray().Any(n => n.GetProperty("state").GetString() == "pending") || await QueueDepthAsync() > 0)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("The sandbox's notifications and the queue did not settle in time.");
                }

                await Task.Delay(500);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Management?.Dispose();
            if (_server is not null)
            {
                await _server.StopAsync();
                await _server.DisposeAsync();
            }

            if (_sandbox is not null)
            {
                await _sandbox.DisposeAsync();
            }

            if (_azurite is not null)
            {
                await _azurite.DisposeAsync();
            }
        }
    }
}
