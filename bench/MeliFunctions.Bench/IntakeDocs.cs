using System.Runtime.InteropServices;
using System.Text;

namespace MeliFunctions.Bench;

/// <summary>The "Webhook ACK latency" section of docs/benchmarks.md (written by <see cref="BenchDocs"/>).</summary>
internal static class IntakeDocs
{
    public const string Heading = "Webhook ACK latency";

    public static string Section(Bench.Options o, List<(string Host, List<StepResult> Results)> byHost, List<StepResult> search, int best, double raw, Bench.RawCpu rawCpu, StepResult? at1000, string azurite, string loadBefore, string loadAfter)
    {
        var share = best / raw;
        var s = new StringBuilder();
        s.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.").AppendLine();
        s.AppendLine($"- Machine: {Bench.Machine()}. Load generator, host and Azurite share these cores, and other work may have been running on the machine: load average {loadBefore} before the run, {loadAfter} after.");
        s.AppendLine($"- .NET {RuntimeInformation.FrameworkDescription.Replace(".NET ", "", StringComparison.Ordinal)} (SDK {Child.Output("dotnet", "--version")}), Azurite {Child.Output(azurite, "--version")} (in memory: `--inMemoryPersistence --skipApiVersionCheck --loose --disableProductStyleUrl --disableTelemetry`, ports chosen by Azurite).");
        s.AppendLine();
        s.AppendLine("Method:").AppendLine();
        s.AppendLine("- Processes on loopback: Azurite; the host under test; and the load generator, so the generator does not share the host's thread pool. The hosts take the same rates in turn, against the same Azurite, in one run:");
        s.AppendLine("  - the Server (`src/MeliFunctions.Server`, its own build output, server GC as in production) with `Server__PumpEnabled=false` so only intake runs, logging at Warning;");
        s.AppendLine("  - the Functions App (`src/MeliFunctions.App`, Release build) under the Azure Functions host (`func start`, found as `scripts/run` finds it), with every function but the webhook disabled (`AzureWebJobs.<name>.Disabled`), logging at Warning; the request goes through the host, over gRPC to the isolated worker and back, and its CPU is the host's and the worker's together.");
        s.AppendLine("- Open loop: request *i* is due at *start + i / rate* whatever happened to the earlier ones, sent by a dedicated thread that wakes every ~1 ms and sends everything due (HttpClient over SocketsHttpHandler, MaxConnectionsPerServer 4096, 10 s timeout). Latency is measured from the **due time** to the whole response read, so a stall in the Server or in the generator counts as latency (no coordinated omission); the timer granularity adds up to ~1 ms. \"max send lag\" is how late the generator itself sent. CPU per request is read from `/proc/<pid>/stat` of each process over the step.");
        s.AppendLine($"- Bodies: valid MeLi notifications, topic `orders_v2`, resource `/orders/<unique id>`, `application_id` {Bench.AppId}, `user_id` {Bench.SellerId}.");
        s.AppendLine($"- A 3 s warm-up at 200/s (not recorded), then each fixed rate for {o.Duration:0} s. During each rate 4 drainer loops in the generator receive (32 at a time) and delete from `meli-notifications`, as the Server's pump would in production (without it, Azurite stalled once tens of thousands of messages had piled up); after the rate, once every response is in, they empty the queue (60 s at most) and the count of messages drained is compared with the number of 200s (\"drained\"; more than the 200s means requests that timed out at the client were queued anyway). 2 s pause between rates.");
        s.AppendLine($"- Sustained rate: from the highest fixed rate that passed, the rate is stepped up by {o.Step}/s, {o.StepDuration:0} s per step, until a step fails. A step passes when p99 < {Bench.P99TargetMs} ms, every answer is a 200 and the queue holds exactly that many messages.");
        s.AppendLine($"- Raw enqueue: in the same run, against the same Azurite, {o.RawConcurrency} concurrent senders loop on a bare `QueueClient.SendMessageAsync` (Base64, a message of the intake's shape) for {o.RawDuration:0} s after a 3 s warm-up, with the same drainer running.");
        s.AppendLine();
        foreach (var (host, results) in byHost)
        {
            s.AppendLine($"Fixed rates, {IntakeHost.Title(host)}:").AppendLine();
            s.AppendLine(Bench.Header.Replace("CPU ms/req Server", "CPU ms/req host", StringComparison.Ordinal));
            results.ForEach(r => s.AppendLine(Bench.Row(r)));
            s.AppendLine();
        }

        if (byHost.Count > 1)
        {
            s.AppendLine("Side by side (p50 / p99 ms):").AppendLine();
            s.AppendLine("| rate/s | " + string.Join(" | ", byHost.Select(h => IntakeHost.Title(h.Host))) + " |");
            s.AppendLine("| ---: |" + string.Concat(byHost.Select(_ => " ---: |")));
            foreach (var rate in o.Rates)
            {
                s.AppendLine($"| {rate:N0} | " + string.Join(" | ", byHost.Select(h => h.Results.FirstOrDefault(r => r.Rate == rate) is { } r ? $"{r.P50:F1} / {r.P99:F1}{(r.Ok < r.Sent ? $" ({r.Sent - r.Ok:N0} not 200)" : "")}" : "-")) + " |");
            }
        }
        if (search.Count > 0)
        {
            s.AppendLine().AppendLine($"Search for the sustained rate, {IntakeHost.Title(byHost[0].Host)} ({o.StepDuration:0} s steps):").AppendLine();
            s.AppendLine(Bench.Header);
            search.ForEach(r => s.AppendLine(Bench.Row(r)));
        }

        s.AppendLine();
        s.AppendLine($"- Highest rate sustained with p99 < {Bench.P99TargetMs} ms, all 200, nothing lost: **{(best > 0 ? $"{best:N0}/s" : "none")}**.");
        s.AppendLine($"- Raw enqueue rate ({o.RawConcurrency} concurrent senders, {o.RawDuration:0} s): **{raw:N0} messages/s**, with Azurite busy {rawCpu.AzuriteCores:P0} of one core ({rawCpu.AzuriteMs:F2} ms CPU per message; the sender {rawCpu.SenderMs:F2} ms).");
        s.AppendLine($"- Sustained webhook rate as a share of the raw enqueue rate: **{share:P0}**.");
        s.AppendLine($"- Target p99 < {Bench.P99TargetMs} ms at {Bench.TargetRate:N0}/s: **{(at1000 is null ? "not measured" : at1000.Passes ? "met" : "not met")}**" +
            (at1000 is null ? "." : $" (p99 {at1000.P99:F1} ms, {at1000.NotOk + at1000.Errors} non-200 or errors)."));
        s.AppendLine($"- Target at least {Bench.TargetShare:P0} of the raw enqueue rate: **{(share >= Bench.TargetShare ? "met" : "not met")}**.");
        s.AppendLine();
        s.AppendLine("Reproduce (needs `npm ci` for Azurite):").AppendLine();
        s.AppendLine("```bash");
        s.AppendLine($"dotnet run -c Release --project bench/MeliFunctions.Bench -- intake --duration {o.Duration:0} --step-duration {o.StepDuration:0} --raw-duration {o.RawDuration:0}");
        s.AppendLine("```");
        s.AppendLine();
        s.AppendLine("`--duration 10` and the other options (`intake --help`) make a quick run; `--no-docs` leaves this file alone.");
        return s.ToString();
    }
}
