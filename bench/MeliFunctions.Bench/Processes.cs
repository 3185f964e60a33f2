using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MeliFunctions.Bench;

/// <summary>A child process that is killed when disposed, and when this process exits.</summary>
internal sealed class Child : IAsyncDisposable
{
    private readonly Process _process;

    public Child(string name, string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        _process = Process.Start(info)!;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
        // Only warnings and errors reach the output (logging is at Warning): show them, prefixed.
        _process.OutputDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                Console.Error.WriteLine($"[{name}] {e.Data}");
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                Console.Error.WriteLine($"[{name}] {e.Data}");
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>CPU seconds (user + system) this process has used so far, from /proc.</summary>
    public double CpuSeconds => CpuSecondsOf(_process.Id);

    public static double CpuSecondsOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
    }

    public static async Task WaitForPortAsync(Child child, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !child.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"Nothing listens on port {port} after {timeout.TotalSeconds} s.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a command to completion and returns its first line of output (for versions).</summary>
    public static string Output(string file, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return text.Trim().Split('\n')[0].Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

/// <summary>
/// The Server (src/MeliFunctions.Server, its own build output copied next to this program) in its
/// own process, webhook only (queue pump off), logging at Warning.
/// </summary>
internal static class ServerProcess
{
    public static async Task<(Child Process, Uri BaseUrl)> StartAsync(string storage)
    {
        var port = Child.FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "MeliFunctions.Server.dll");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var child = new Child("server", dotnet, ["exec", dll], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["AzureWebJobsStorage"] = storage,
            ["Meli__AppId"] = Bench.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Meli__ClientSecret"] = "bench-client-secret",
            ["Meli__ApiBaseUrl"] = "http://127.0.0.1:9/",
            ["Meli__AuthBaseUrl"] = "http://127.0.0.1:9/",
            ["Server__PumpEnabled"] = "false",
            ["Tokens__Keys"] = IntakeHost.TokenKeys,
            // host.json and appsettings.json set some categories to Information: override them all.
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__MeliFunctions"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning",
        });
        await Child.WaitForPortAsync(child, port, TimeSpan.FromSeconds(60));
        return (child, new Uri($"http://127.0.0.1:{port}/"));
    }
}
