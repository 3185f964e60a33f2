using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Hosting;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.MercadoLibre.OAuth;

/// <summary>
/// Enrolment by invitation: <c>POST /api/admin/invites</c> (management key) makes a single-use,
/// expiring invitation and answers the link to send the seller; <c>/api/oauth/start?invite=</c>
/// checks it and the callback uses it up, once, when the seller's account is connected.
/// The <c>OAuthInvites</c> table keeps only a SHA-256 of each invitation (RowKey), so reading the
/// table gives no usable invitation.
/// </summary>
public sealed class Invites(StorageClients storage, IOptions<MeliOptions> meli, TimeProvider time, ILogger<Invites> logger)
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(72);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(30);
    internal const string Partition = "invite";
    private const int MaxBodyBytes = 4096;

    private TableClient Table => storage.Table(StorageNames.OAuthInvitesTable);

    /// <summary>Creates an invitation. Body (optional): <c>{"expires_in_hours": 1..720, "note": "..."}</c>.</summary>
    public async Task<ApiResponse> CreateAsync(Stream body, Uri hostBaseUrl, CancellationToken cancellationToken)
    {
        var lifetime = DefaultLifetime;
        string? note = null;
        using (var buffer = new MemoryStream())
        {
            await body.CopyToAsync(buffer, cancellationToken);
            if (buffer.Length > MaxBodyBytes)
            {
                return ApiResponse.Error(413, "body_too_large", $"The body is at most {MaxBodyBytes} bytes.");
            }

            if (buffer.Length > 0)
            {
                JsonObject? json;
                try
                {
                    json = JsonNode.Parse(buffer.ToArray()) as JsonObject;
                }
                catch (JsonException)
                {
                    json = null;
                }

                if (json is null)
                {
                    return ApiResponse.Error(400, "invalid_body", "The body must be a JSON object: {\"expires_in_hours\": 1..720, \"note\": \"...\"}, or empty.");
                }

                if (json["expires_in_hours"] is { } hoursNode)
                {
                    if (hoursNode is not JsonValue v || !v.TryGetValue<int>(out var hours) || hours < 1 || hours > MaxLifetime.TotalHours)
                    {
                        return ApiResponse.Error(400, "invalid_expires_in_hours", $"expires_in_hours must be a whole number from 1 to {MaxLifetime.TotalHours:0}.");
                    }

                    lifetime = TimeSpan.FromHours(hours);
                }

                if (json["note"] is { } noteNode)
                {
                    if (noteNode is not JsonValue n || !n.TryGetValue<string>(out var text) || text.Length > 200)
                    {
                        return ApiResponse.Error(400, "invalid_note", "note must be a string of at most 200 characters (who the invitation is for).");
                    }

                    note = text;
                }
            }
        }

        var invite = Base64Url(RandomNumberGenerator.GetBytes(24));
        var now = time.GetUtcNow();
        var expiresAt = now + lifetime;
        await Table.AddEntityAsync(new TableEntity(Partition, Hash(invite))
        {
            ["CreatedAt"] = now,
            ["ExpiresAt"] = expiresAt,
            ["Note"] = note,
        }, cancellationToken);
        logger.LogInformation("Invitation created, expires at {ExpiresAt}", expiresAt);

        var start = new Uri(meli.Value.RedirectUri ?? new Uri(hostBaseUrl, "api/oauth/callback"), "start");
        return ApiResponse.Json(201, new JsonObject
        {
            ["invite"] = invite,
            ["url"] = $"{start}?invite={invite}",
            ["expires_at"] = expiresAt,
            ["note"] = note,
        });
    }

    /// <summary>Null when the invitation can be used now; else why not, as an answer for the seller's browser.</summary>
    internal async Task<ApiResponse?> CheckAsync(string invite, CancellationToken cancellationToken)
    {
        var row = await GetAsync(invite, cancellationToken);
        return Refusal(row);
    }

    /// <summary>Uses the invitation up for <paramref name="sellerId"/>; null when that worked, else why not.</summary>
    internal async Task<ApiResponse?> UseAsync(string inviteHash, string sellerId, CancellationToken cancellationToken)
    {
        var stored = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, inviteHash, cancellationToken: cancellationToken);
        var row = stored.HasValue ? stored.Value : null;
        if (Refusal(row) is { } refused)
        {
            return refused;
        }

        try
        {
            // ETag-guarded: of two callbacks racing on one invitation, one connects.
            await Table.UpdateEntityAsync(new TableEntity(Partition, inviteHash) { ["UsedAt"] = time.GetUtcNow(), ["UsedBy"] = sellerId }, row!.ETag, TableUpdateMode.Merge, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return Used();
        }
    }

    internal static string Hash(string invite) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(invite)));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<TableEntity?> GetAsync(string invite, CancellationToken cancellationToken)
    {
        if (invite.Length is 0 or > 100)
        {
            return null;
        }

        var stored = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, Hash(invite), cancellationToken: cancellationToken);
        return stored.HasValue ? stored.Value : null;
    }

    private ApiResponse? Refusal(TableEntity? row)
    {
        if (row is null)
        {
            return ApiResponse.Error(400, "invalid_invite", "This invitation is unknown; ask the operator for a new one.");
        }

        if (row.GetDateTimeOffset("UsedAt") is not null)
        {
            return Used();
        }

        if (row.GetDateTimeOffset("ExpiresAt") is not { } expiresAt || expiresAt <= time.GetUtcNow())
        {
            return ApiResponse.Error(400, "expired_invite", "This invitation has expired; ask the operator for a new one.");
        }

        return null;
    }

    private static ApiResponse Used() =>
        ApiResponse.Error(400, "used_invite", "This invitation was already used to connect an account; ask the operator for a new one.");
}
