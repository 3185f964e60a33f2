using MeliFunctions.Testing;

namespace MeliFunctions.Bench;

/// <summary>A host under the intake benchmark, webhook only, in its own process(es): the Server or the App under the Functions host.</summary>
internal sealed class IntakeHost : IAsyncDisposable
{
    private readonly IAsyncDisposable _process;
    private readonly Func<double> _cpu;

    private IntakeHost(Uri baseUrl, IAsyncDisposable process, Func<double> cpu)
    {
        BaseUrl = baseUrl;
        _process = process;
        _cpu = cpu;
    }

    public Uri BaseUrl { get; }

    /// <summary>A token sealing key for the bench's hosts (no seller connects in the intake benchmark).</summary>
    public const string TokenKeys = "bench:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// <summary>CPU seconds used so far by the host's processes.</summary>
    public double CpuSeconds() => _cpu();

    public static string Title(string name) => name == "app" ? "the Functions App on the Functions host" : "the Server";

    public static async Task<IntakeHost> StartAsync(string name, string storage)
    {
        if (name != "app")
        {
            var (server, url) = await ServerProcess.StartAsync(storage);
            return new IntakeHost(url, server, () => server.CpuSeconds);
        }

        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = storage,
            ["TASKHUB_NAME"] = "MeliBench",
            ["Meli__AppId"] = Bench.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Meli__ClientSecret"] = "bench-client-secret",
            ["Tokens__Keys"] = TokenKeys,
            ["Meli__ApiBaseUrl"] = "http://127.0.0.1:9/",
            ["Meli__AuthBaseUrl"] = "http://127.0.0.1:9/",
            ["StockReconcileSchedule"] = "0 0 0 1 1 *",
            ["PendingSweepSchedule"] = "0 0 0 1 1 *",
            // Only the webhook runs, as with the Server's Server__PumpEnabled=false (the host reads AzureWebJobs.<name>.Disabled).
            ["AzureWebJobs.OrderSync.Disabled"] = "true",
            ["AzureWebJobs.FraudFlowStart.Disabled"] = "true",
            ["AzureWebJobs.StockReconcile.Disabled"] = "true",
            ["AzureWebJobs.PendingSweep.Disabled"] = "true",
            ["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var host = await FunctionsHost.StartAsync(settings);
        return new IntakeHost(host.BaseUrl, host, () => host.CpuSeconds);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
