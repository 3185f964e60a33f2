using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace MeliFunctions.Testing;

/// <summary>
/// A real Azurite (from the repo's node_modules, installed by <c>npm ci</c>) on free loopback
/// ports, in memory, stopped when disposed.
/// </summary>
public sealed partial class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    /// <summary>CPU seconds this Azurite has used so far.</summary>
    public double CpuSeconds => _process.HasExited ? 0 : ProcessCpu.SecondsOf(_process.Id);

    /// <summary>Azurite as <c>npm ci</c> installs it from the repo's lock file.</summary>
    public static string Bin => Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");

    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    /// <summary>
    /// Starts Azurite with port 0 for each service, so the kernel picks the ports as Azurite binds
    /// them (no window in which another process can take a port chosen in advance), and reads the
    /// ports from the lines Azurite prints once each service listens.
    /// </summary>
    public static async Task<Azurite> StartAsync()
    {
        var bin = Bin;
        if (!File.Exists(bin))
        {
            throw new InvalidOperationException($"Azurite is not installed at {bin}: run 'npm ci' in {RepoPaths.Root} (scripts/test does this).");
        }

        for (var attempt = 0; ; attempt++)
        {
            var info = new ProcessStartInfo(bin)
            {
                ArgumentList =
                {
                    "--disableTelemetry", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl",
                    "--blobHost", "127.0.0.1", "--blobPort", "0",
                    "--queueHost", "127.0.0.1", "--queuePort", "0",
                    "--tableHost", "127.0.0.1", "--tablePort", "0",
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(info)!;
            // Never leave an Azurite behind, even when the test run is cut short.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.Kill(process);
            var ports = new ListeningPorts();
            process.OutputDataReceived += (_, e) => ports.Read(e.Data);
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var first = await Task.WhenAny(ports.All, Task.Delay(TimeSpan.FromSeconds(60)), process.WaitForExitAsync());
            if (first == ports.All)
            {
                var (blob, queue, table) = await ports.All;
                return new Azurite(process, blob, queue, table);
            }

            ChildProcess.Kill(process);
            await process.WaitForExitAsync();
            process.Dispose();
            if (attempt == 2)
            {
                throw new InvalidOperationException("Azurite did not start listening within 60 s (three tries).");
            }
        }
    }

    /// <summary>The ports in Azurite's "Azurite Blob service is successfully listening at http://127.0.0.1:N" lines.</summary>
    private sealed partial class ListeningPorts
    {
        private readonly TaskCompletionSource<(int Blob, int Queue, int Table)> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Dictionary<string, int> _seen = [];

        public Task<(int Blob, int Queue, int Table)> All => _all.Task;

        public void Read(string? line)
        {
            if (line is null || ListeningLine().Match(line) is not { Success: true } match)
            {
                return;
            }

            lock (_seen)
            {
                _seen[match.Groups[1].Value] = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                if (_seen.Count == 3)
                {
                    _all.TrySetResult((_seen["Blob"], _seen["Queue"], _seen["Table"]));
                }
            }
        }

        [GeneratedRegex(@"Azurite (Blob|Queue|Table) service is successfully listening at http://[^:/]+:(\d+)", RegexOptions.CultureInvariant)]
        private static partial Regex ListeningLine();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ChildProcess.Kill(_process);
        await _process.WaitForExitAsync();

        _process.Dispose();
    }
}
