namespace MeliFunctions.Sandbox;

/// <summary>Settings of one simulated Mercado Libre (configuration section <c>Sandbox</c>).</summary>
public sealed class SandboxOptions
{
    /// <summary>The application id (OAuth client_id). MeLi app ids are numbers; notifications carry it as a number.</summary>
    public string AppId { get; set; } = "5503910054141466";

    public string ClientSecret { get; set; } = "sandbox-client-secret";

    /// <summary>Notifications are POSTed here; null means every notification is recorded as missed.</summary>
    public string? CallbackUrl { get; set; }

    /// <summary>Seed of the deterministic ids and of the fault dice.</summary>
    public int Seed { get; set; } = 42;

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(6);

    public TimeSpan NotificationRetryWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Delay before the first retry; each further retry waits twice as long.</summary>
    public TimeSpan NotificationRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>MeLi cancels a fraud-flagged Mercado Envios order itself after this delay when its label is not printed.</summary>
    public TimeSpan FraudAutoCancelDelay { get; set; } = TimeSpan.FromMinutes(10);
}
