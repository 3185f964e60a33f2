using System.ComponentModel.DataAnnotations;

namespace MeliFunctions.Notifications;

/// <summary>Limits of the webhook (section <c>Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>The largest body accepted; Mercado Libre's notifications are well under 1 KiB.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 16 * 1024;
}
