using Microsoft.Extensions.Logging;

namespace MeliFunctions.Storage;

/// <summary>Creates the product's tables and queues when they are missing (called on start by both hosts).</summary>
public sealed class StorageInitializer(StorageClients storage, ILogger<StorageInitializer> logger)
{
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var table in StorageNames.Tables)
        {
            await storage.Table(table).CreateIfNotExistsAsync(cancellationToken);
        }

        foreach (var queue in StorageNames.Queues)
        {
            await storage.Queue(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        logger.LogInformation("Storage ready: tables {Tables}, queues {Queues}",
            string.Join(", ", StorageNames.Tables), string.Join(", ", StorageNames.Queues));
    }
}
