namespace MeliFunctions.Server.Http;

/// <summary>Server-only settings (section <c>Server</c>).</summary>
public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>The key management routes require in <c>x-functions-key</c>; none set means they refuse every call.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Run the queue pump in this instance (off for a webhook-only instance).</summary>
    public bool PumpEnabled { get; set; } = true;

    /// <summary>Run the timer jobs (stock reconcile, sweeps) in this instance.</summary>
    public bool TimersEnabled { get; set; } = true;

    public override string ToString() => "ServerOptions(ApiKey=***)";
}
