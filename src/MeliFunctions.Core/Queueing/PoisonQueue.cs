using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Queueing;

/// <summary>
/// Parks a message in <c>&lt;queue&gt;-poison</c> with the reason it could not be processed, and
/// Mercado Libre's error where there was one, so an operator can read why and requeue it.
/// </summary>
public sealed class PoisonQueue(StorageClients storage, TimeProvider time, ILogger<PoisonQueue> logger)
{
    public async Task ParkAsync(string queue, string messageText, WorkOutcome outcome, long dequeueCount, CancellationToken cancellationToken)
    {
        var envelope = new JsonObject
        {
            ["parked_message"] = messageText,
            ["queue"] = queue,
            ["reason"] = outcome.Reason,
            ["error"] = outcome.Error,
            ["details"] = outcome.Details,
            ["dequeue_count"] = dequeueCount,
            ["parked_at"] = time.GetUtcNow(),
        };
        await storage.Queue(StorageNames.PoisonQueueFor(queue)).SendMessageAsync(envelope.ToJsonString(JsonDefaults.Options), cancellationToken);
        logger.LogWarning("Message parked in {Queue}-poison: {Reason}", queue, outcome.Reason);
    }

    /// <summary>Reads a poison message: our envelope, or a bare message the Functions host moved there.</summary>
    public static (string Original, string? Reason) Unwrap(string poisonText)
    {
        try
        {
            if (JsonNode.Parse(poisonText) is JsonObject o && o["parked_message"] is JsonValue original)
            {
                return (original.GetValue<string>(), o["reason"]?.GetValue<string>());
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return (poisonText, null);
    }
}
