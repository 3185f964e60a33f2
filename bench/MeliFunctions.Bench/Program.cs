using System.Globalization;
using System.Runtime.InteropServices;
using Azure.Storage.Queues;
using MeliFunctions.Bench;
using MeliFunctions.Storage;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "stock")
{
    return await MeliFunctions.Bench.Stock.StockBench.RunAsync(args[1..]);
}

if (args.Length == 0 || args[0] != "intake" || args.Contains("--help"))
{
    Console.Error.WriteLine("""
        usage: MeliFunctions.Bench intake [options]   webhook ACK latency (docs/benchmarks.md)
               MeliFunctions.Bench stock [options]    stock reconcile rate (docs/stock.md, docs/benchmarks.md)
          --duration <s>         seconds per fixed rate (default 60)
          --rates <list>         fixed rates, notifications/s (default 200,500,1000)
          --step-duration <s>    seconds per step of the sustained-rate search (default 20)
          --step <n>             step of the search, notifications/s (default 250)
          --raw-duration <s>     seconds of the raw enqueue loop (default 30)
          --raw-concurrency <n>  concurrent senders of the raw enqueue loop (default 64)
          --no-docs              print only; do not update docs/benchmarks.md
        """);
    return 2;
}

var options = Bench.Options.Parse(args.Skip(1).ToArray());
return await Bench.RunIntakeAsync(options);

namespace MeliFunctions.Bench
{
    internal static class Bench
    {
        public const long AppId = 5503910054141466;
        public const long SellerId = 123456789;
        public const double P99TargetMs = 50;
        public const int TargetRate = 1000;
        public const double TargetShare = 0.80;

        public sealed record Options(double Duration, int[] Rates, double StepDuration, int Step, double RawDuration, int RawConcurrency, bool WriteDocs)
        {
            public static Options Parse(string[] args)
            {
                var o = new Options(60, [200, 500, 1000], 20, 250, 30, 64, true);
                for (var i = 0; i < args.Length; i++)
                {
                    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                    o = args[i] switch
                    {
                        "--duration" => o with { Duration = double.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--rates" => o with { Rates = Next().Split(',').Select(int.Parse).ToArray() },
                        "--step-duration" => o with { StepDuration = double.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--step" => o with { Step = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--raw-duration" => o with { RawDuration = double.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--raw-concurrency" => o with { RawConcurrency = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--no-docs" => o with { WriteDocs = false },
                        _ => throw new ArgumentException($"unknown option {args[i]}"),
                    };
                }

                return o;
            }
        }

        public static async Task<int> RunIntakeAsync(Options options)
        {
            var root = RepoRoot();
            var loadBefore = LoadAverage();
            Console.WriteLine($"Starting Azurite and the Server (separate processes); load average {loadBefore}");
            var (azurite, storage) = await Azurite.StartAsync(root);
            await using var azuriteProcess = azurite;
            var (server, baseUrl) = await ServerProcess.StartAsync(storage);
            await using var serverProcess = server;
            using var http = OpenLoop.CreateClient(baseUrl);

            var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
            queueOptions.Retry.MaxRetries = 2;
            queueOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(20);
            var queue = new QueueClient(storage, StorageNames.NotificationsQueue, queueOptions);
            await queue.CreateIfNotExistsAsync();

            // Warm-up, not recorded: JIT, connections, Azurite.
            await OpenLoop.RunAsync(http, queue, 200, TimeSpan.FromSeconds(3));
            await ClearAsync(queue);

            var results = new List<StepResult>();
            async Task<StepResult> Step(int rate, double seconds)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                var before = (server.CpuSeconds, azurite.CpuSeconds, OwnCpuSeconds());
                var result = await OpenLoop.RunAsync(http, queue, rate, TimeSpan.FromSeconds(seconds));
                result = result with
                {
                    Cpu = ((server.CpuSeconds - before.Item1) * 1000 / result.Sent, (azurite.CpuSeconds - before.Item2) * 1000 / result.Sent, (OwnCpuSeconds() - before.Item3) * 1000 / result.Sent),
                };
                await ClearAsync(queue);
                Console.WriteLine(Row(result));
                return result;
            }

            Console.WriteLine(Header);
            foreach (var rate in options.Rates)
            {
                results.Add(await Step(rate, options.Duration));
            }

            // The highest rate sustained with p99 under the target: step up from the best fixed rate
            // that passed, or down from the lowest if none did.
            var search = new List<StepResult>();
            var best = results.Where(r => r.Passes).Select(r => r.Rate).DefaultIfEmpty(0).Max();
            if (best > 0)
            {
                for (var rate = best + options.Step; rate <= 20_000; rate += options.Step)
                {
                    var r = await Step(rate, options.StepDuration);
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
                    var r = await Step(rate, options.StepDuration);
                    search.Add(r);
                    if (r.Passes)
                    {
                        best = rate;
                        break;
                    }
                }
            }

            // The floor: the same Azurite, a bare QueueClient, no HTTP in between.
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

            var share = best / raw;
            var at1000 = results.Concat(search).FirstOrDefault(r => r.Rate == TargetRate);
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
                var path = Path.Combine(root, "docs", "benchmarks.md");
                Docs.Update(path, Docs.Section(options, results, search, best, raw, rawCpu, at1000, Azurite.Bin(root), loadBefore, loadAfter));
                Console.WriteLine($"Wrote {path}");
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

        private static string RepoRoot()
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
}
