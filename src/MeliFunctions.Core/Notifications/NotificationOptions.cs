using System.ComponentModel.DataAnnotations;

namespace MeliFunctions.Notifications;

/// <summary>Limits of the webhook (section <c>Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>The largest body accepted; Mercado Libre's notifications are well under 1 KiB.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Optional: only these caller addresses may post notifications (comma-separated IPs; the word
    /// <c>meli</c> stands for Mercado Libre's published addresses). Empty: anyone (the default).
    /// </summary>
    public string? AllowedIps { get; set; }

    /// <summary>
    /// Optional: a secret the callback URL must carry as <c>?secret=</c> (register
    /// <c>https://host/api/notifications?secret=...</c> with Mercado Libre). Empty: not required.
    /// </summary>
    public string? CallbackSecret { get; set; }

    /// <summary>
    /// Optional, while a new <see cref="CallbackSecret"/> is rolled out: the old one, still accepted,
    /// so notifications Mercado Libre sends to the old callback URL are not lost. Remove it once the
    /// new URL is registered and the old one has gone quiet.
    /// </summary>
    public string? PreviousCallbackSecret { get; set; }

    /// <summary>The addresses Mercado Libre publishes for its notifications.</summary>
    public static IReadOnlyList<string> MeliAddresses { get; } =
    [
        "54.88.218.97", "18.215.140.160", "18.213.114.129", "18.206.34.84",
        "35.236.253.169", "35.245.91.34", "35.245.20.104", "35.186.182.146",
    ];

    internal HashSet<System.Net.IPAddress>? AllowList() =>
        string.IsNullOrWhiteSpace(AllowedIps)
            ? null
            : AllowedIps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .SelectMany(entry => entry.Equals("meli", StringComparison.OrdinalIgnoreCase) ? MeliAddresses : [entry])
                .Select(System.Net.IPAddress.Parse)
                .Select(ip => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)
                .ToHashSet();

    public override string ToString() => $"NotificationOptions(MaxBodyBytes={MaxBodyBytes}, AllowedIps={AllowedIps}, CallbackSecret=***, PreviousCallbackSecret=***)";
}

/// <summary>The parts of the webhook request the intake looks at, whatever the host.</summary>
/// <param name="RemoteIp">The caller: the connection's address, or the address Azure's front end adds last to X-Forwarded-For.</param>
/// <param name="Secret">The <c>secret</c> query parameter, if any.</param>
public sealed record IntakeRequest(string? ContentType, long? ContentLength, Stream Body, System.Net.IPAddress? RemoteIp, string? Secret)
{
    /// <summary>The caller's address: the right-most X-Forwarded-For entry (the one the platform's front end appended), else the connection's.</summary>
    public static System.Net.IPAddress? CallerAddress(string? forwardedFor, System.Net.IPAddress? connection)
    {
        var last = forwardedFor?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (last is not null && System.Net.IPAddress.TryParse(last.Split(':')[0], out var forwarded))
        {
            return forwarded;
        }

        return connection is { IsIPv4MappedToIPv6: true } ? connection.MapToIPv4() : connection;
    }
}
