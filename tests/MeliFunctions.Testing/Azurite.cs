using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MeliFunctions.Testing;

/// <summary>
/// A real Azurite (from the repo's node_modules, installed by <c>npm ci</c>) on free loopback
/// ports, in memory, stopped when disposed.
/// </summary>
public sealed class Azurite : IAsyncDisposable
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

    public static async Task<Azurite> StartAsync()
    {
        var bin = Bin;
        if (!File.Exists(bin))
        {
            throw new InvalidOperationException($"Azurite is not installed at {bin}: run 'npm ci' in {RepoPaths.Root} (scripts/test does this).");
        }

        for (var attempt = 0; ; attempt++)
        {
            int blob = FreePort(), queue = FreePort(), table = FreePort();
            var info = new ProcessStartInfo(bin)
            {
                ArgumentList =
                {
                    "--silent", "--disableTelemetry", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl",
                    "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
                    "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
                    "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(info)!;
            // Never leave an Azurite behind, even when the test run is cut short.
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            };
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var azurite = new Azurite(process, blob, queue, table);
            if (await azurite.WaitUntilListeningAsync(TimeSpan.FromSeconds(60)))
            {
                return azurite;
            }

            await azurite.DisposeAsync();
            if (attempt == 2)
            {
                throw new InvalidOperationException("Azurite did not start listening within 60 s (three tries).");
            }
        }
    }

    private async Task<bool> WaitUntilListeningAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            if (await CanConnect(QueuePort) && await CanConnect(TablePort) && await CanConnect(BlobPort))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static async Task<bool> CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
