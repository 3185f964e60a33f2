using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace MeliFunctions.Sandbox;

/// <summary>A running sandbox: real Kestrel on a loopback port, Mercado Libre's API at the root of <see cref="BaseUrl"/>.</summary>
public sealed class MeliSandbox : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MeliSandbox(WebApplication app, Uri baseUrl, SandboxOptions options)
    {
        _app = app;
        BaseUrl = baseUrl;
        Options = options;
    }

    /// <summary>Where the sandbox listens, with a trailing slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; }

    public SandboxOptions Options { get; }

    public static Task<MeliSandbox> StartAsync(SandboxOptions options, string url = "http://127.0.0.1:0", CancellationToken ct = default) =>
        StartAsync(options, url, null, ct);

    /// <summary>Starts with a clock of the caller's (tests pass a fake one to drive timers).</summary>
    internal static async Task<MeliSandbox> StartAsync(SandboxOptions options, string url, TimeProvider? time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var app = SandboxHost.Build([], options, url, time);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The sandbox has no listening address.");
        var baseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return new MeliSandbox(app, baseUrl, options);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
