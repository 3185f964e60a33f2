using System.Diagnostics;
using System.Text;

namespace MeliFunctions.Testing;

/// <summary>
/// The Functions App running under the real Azure Functions host, the way a user runs it:
/// <c>func start</c> from Azure Functions Core Tools when <c>func</c> is on PATH, else the host in
/// <c>../shared/functions-host/func</c> beside the repo (or where <c>MELI_FUNC</c> points). It serves
/// the App's build output on a free loopback port with a known function key; <see cref="KillAsync"/>
/// ends it as a crash would (host and worker, no shutdown), and <see cref="StartAsync"/> starts it again.
/// </summary>
public sealed class FunctionsHost : IAsyncDisposable
{
    public const string FunctionKey = "test-function-key";
    public const string MasterKey = "test-master-key";

    private readonly string _func;
    private readonly string _appOutput;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly string _logPath;
    private readonly object _logLock = new();
    private Process? _process;
    private StreamWriter? _log;

    private FunctionsHost(string func, string appOutput, int port, IReadOnlyDictionary<string, string> settings, string logPath)
    {
        _func = func;
        _appOutput = appOutput;
        _settings = settings;
        _logPath = logPath;
        Port = port;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(100) };
        Management = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(100) };
        Management.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
    }

    public int Port { get; }

    public Uri BaseUrl { get; }

    /// <summary>Anonymous, as Mercado Libre and a seller's browser call the App.</summary>
    public HttpClient Http { get; }

    /// <summary>With the function key.</summary>
    public HttpClient Management { get; }

    /// <summary>The <c>func</c> that runs the host.</summary>
    public string Func => _func;

    /// <summary>
    /// True for the host in <c>../shared/functions-host</c>, which enforces keys as Azure does;
    /// Core Tools' <c>func start</c> lets every local call in.
    /// </summary>
    public bool EnforcesKeys => !IsCoreTools(_func);

    /// <summary>Where the host's output goes (one file per host, kept after the run).</summary>
    public string LogPath => _logPath;

    /// <summary>
    /// Starts the App's build output (<c>src/MeliFunctions.App/bin/{configuration}/net10.0</c>) under the
    /// host with these app settings, and waits until <c>GET /api/health</c> answers.
    /// </summary>
    /// <param name="settings">app settings (environment variables of the host; they win over a local.settings.json)</param>
    /// <param name="port">the port, or 0 for a free one</param>
    /// <param name="timeout">how long the host may take to answer</param>
    public static async Task<FunctionsHost> StartAsync(IReadOnlyDictionary<string, string> settings, int port = 0, TimeSpan? timeout = null)
    {
        var func = FindFunc();
        var output = AppOutput();
        port = port == 0 ? Azurite.FreePort() : port;
        var logDir = Path.Combine(RepoPaths.Root, "TestResults", "functions-host");
        Directory.CreateDirectory(logDir);
        var host = new FunctionsHost(func, output, port, settings, Path.Combine(logDir, $"host-{port}.log"));
        await host.StartAsync(timeout ?? TimeSpan.FromMinutes(3));
        return host;
    }

    /// <summary>Finds the host: Core Tools' <c>func</c> on PATH, else <c>MELI_FUNC</c>, else <c>../shared/functions-host/func</c>.</summary>
    public static string FindFunc()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MELI_FUNC");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return File.Exists(fromEnv) ? fromEnv : throw new InvalidOperationException($"MELI_FUNC points at {fromEnv}, which does not exist.");
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "func");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var shared = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "functions-host", "func"));
        if (File.Exists(shared))
        {
            return shared;
        }

        throw new InvalidOperationException(
            "No Azure Functions host found: install Azure Functions Core Tools v4 (`func` on PATH), " +
            $"or put the host built from its sources at {shared} (or set MELI_FUNC to a func script).");
    }

    /// <summary>Core Tools' <c>func</c> (on PATH, not a <c>func</c> script beside a <c>host</c> folder).</summary>
    private static bool IsCoreTools(string func) => !Directory.Exists(Path.Combine(Path.GetDirectoryName(func)!, "host"));

    /// <summary>The App's build output, built by the same build as the tests (same configuration).</summary>
    public static string AppOutput()
    {
        // The tests run from tests/<project>/bin/<configuration>/<tfm>/.
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfmDir.Parent?.Name ?? "Debug";
        var output = Path.Combine(RepoPaths.Root, "src", "MeliFunctions.App", "bin", configuration, tfmDir.Name);
        return File.Exists(Path.Combine(output, "functions.metadata"))
            ? output
            : throw new InvalidOperationException($"No functions.metadata in {output}: build src/MeliFunctions.App ({configuration}) first.");
    }

    public async Task StartAsync(TimeSpan timeout)
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("The host is running already.");
        }

        var info = new ProcessStartInfo(_func)
        {
            ArgumentList = { "start", "--script-root", _appOutput, "--no-build", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            WorkingDirectory = _appOutput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["FUNCTIONS_HOST_KEY"] = FunctionKey;
        info.Environment["FUNCTIONS_MASTER_KEY"] = MasterKey;
        info.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        info.Environment["AZURE_CORE_LOG_LEVEL"] = "Error";
        // Durable's task hub tells its workers apart by name, the machine's unless App Service's stamp
        // and role instance name it: each host is its own worker, as each instance of a scaled-out app
        // is (two hosts with one name would both believe they own the same partitions). A host started
        // again on its port is the same worker again, as an instance restarted in place is.
        info.Environment["WEBSITE_CURRENT_STAMPNAME"] = "local";
        info.Environment["RoleInstanceId"] = $"func-host-{Port}";
        foreach (var (key, value) in _settings)
        {
            info.Environment[key] = value;
        }

        lock (_logLock)
        {
            _log ??= new StreamWriter(_logPath, append: true, Encoding.UTF8) { AutoFlush = true };
            _log.WriteLine($"==== {DateTime.UtcNow:O} func start on port {Port} ({_func})");
        }

        var process = Process.Start(info)!;
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.Kill(process);
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + timeout;
        using var probe = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The Functions host exited with code {process.ExitCode} while starting; its output: {_logPath}\n{Tail()}");
            }

            try
            {
                using var health = await probe.GetAsync("api/health");
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        ChildProcess.Kill(process);
        throw new TimeoutException($"The Functions host did not answer /api/health within {timeout.TotalSeconds:0} s; its output: {_logPath}\n{Tail()}");
    }

    /// <summary>Ends the host and its worker at once, as a crash would: nothing is shut down cleanly.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            ChildProcess.Kill(process);
            await process.WaitForExitAsync();
            Log($"==== {DateTime.UtcNow:O} killed");
        }
    }

    /// <summary>CPU seconds (user + system) used so far by the host and its worker, from /proc (Linux).</summary>
    public double CpuSeconds => _process is { HasExited: false } p ? Descendants(p.Id).Sum(ProcessCpu.SecondsOf) : 0;

    /// <summary>A process and its descendants, from /proc/&lt;pid&gt;/task/*/children.</summary>
    private static IEnumerable<int> Descendants(int pid)
    {
        yield return pid;
        var tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
        {
            yield break;
        }

        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            string children;
            try
            {
                children = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                foreach (var d in Descendants(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture)))
                {
                    yield return d;
                }
            }
        }
    }

    /// <summary>The host's output so far (for a failing test's message).</summary>
    public string Tail(int lines = 60)
    {
        try
        {
            lock (_logLock)
            {
                _log?.Flush();
            }

            using var stream = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log?.WriteLine(line);
        }
    }


    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        Http.Dispose();
        Management.Dispose();
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }
}
