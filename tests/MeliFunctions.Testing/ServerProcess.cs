using System.Diagnostics;

namespace MeliFunctions.Testing;

/// <summary>
/// The Server's build output (<c>src/MeliFunctions.Server/bin/{configuration}/net10.0</c>) in a process
/// of its own on a loopback port, so a test can kill it as the operating system would (SIGKILL: no
/// shutdown, no finally blocks) and start another on the same storage.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public int Id => _process.Id;

    public static string Output()
    {
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var output = Path.Combine(RepoPaths.Root, "src", "MeliFunctions.Server", "bin", tfmDir.Parent?.Name ?? "Debug", tfmDir.Name);
        return File.Exists(Path.Combine(output, "MeliFunctions.Server.dll"))
            ? output
            : throw new InvalidOperationException($"No MeliFunctions.Server.dll in {output}: build src/MeliFunctions.Server first.");
    }

    /// <summary>Starts a Server with these settings (environment variables) and waits until <c>/api/health</c> answers.</summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int port = 0, TimeSpan? timeout = null)
    {
        port = port == 0 ? Azurite.FreePort() : port;
        var output = Output();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "exec", Path.Combine(output, "MeliFunctions.Server.dll") },
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__MeliFunctions"] = "Warning";
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.Kill(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        using var probe = new HttpClient { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var health = await probe.GetAsync("api/health");
                if (health.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        ChildProcess.Kill(process);
        throw new InvalidOperationException($"The Server did not answer /api/health on port {port} (exited: {process.HasExited}).");
    }

    /// <summary>SIGKILL: the process ends where it is.</summary>
    public async Task KillAsync()
    {
        ChildProcess.Kill(_process);
        await _process.WaitForExitAsync();
    }


    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
