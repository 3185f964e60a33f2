namespace MeliFunctions.Notifications;

/// <summary>A notification as Mercado Libre sends it, validated. Only a hint: the truth is fetched.</summary>
public sealed record MeliNotification(
    string? Id,
    string Resource,
    long UserId,
    string Topic,
    long ApplicationId,
    int Attempts,
    DateTimeOffset? Sent,
    DateTimeOffset? Received,
    IReadOnlyList<string> Actions);
