using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace MeliFunctions.Storage;

/// <summary>
/// The storage account, reached the way the Functions host reaches it: a connection string in
/// <c>AzureWebJobsStorage</c>, or identity-based settings under <c>AzureWebJobsStorage__*</c>
/// (<c>queueServiceUri</c>, <c>tableServiceUri</c> or <c>accountName</c>, plus <c>credential</c>
/// and <c>clientId</c>).
/// </summary>
public sealed class StorageClients
{
    private readonly QueueServiceClient _queues;
    private readonly TableServiceClient _tables;
    private readonly QueueClientOptions _queueOptions;

    public StorageClients(IConfiguration configuration)
    {
        var section = configuration.GetSection(Configuration.SettingNames.Storage);
        var connectionString = section.Value;
        _queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        // Fail fast: the webhook must answer within 500 ms, and a 503 makes Mercado Libre retry.
        _queueOptions.Retry.MaxRetries = 2;
        _queueOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
        _queueOptions.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        _queueOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        _queueOptions.MessageDecodingFailed += MoveUndecodableToPoisonAsync;
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            _queues = new QueueServiceClient(connectionString, _queueOptions);
            _tables = new TableServiceClient(connectionString);
            return;
        }

        var accountName = section["accountName"];
        var queueUri = section["queueServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.queue.core.windows.net");
        var tableUri = section["tableServiceUri"] ?? (accountName is null ? null : $"https://{accountName}.table.core.windows.net");
        if (queueUri is null || tableUri is null)
        {
            throw new InvalidOperationException(
                "Storage is not configured: set AzureWebJobsStorage to a connection string (UseDevelopmentStorage=true for Azurite), " +
                "or AzureWebJobsStorage__queueServiceUri and AzureWebJobsStorage__tableServiceUri (or AzureWebJobsStorage__accountName) for a managed identity.");
        }

        TokenCredential credential = section["credential"] == "managedidentity"
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } clientId ? ManagedIdentityId.FromUserAssignedClientId(clientId) : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = section["clientId"] });
        _queues = new QueueServiceClient(new Uri(queueUri), credential, _queueOptions);
        _tables = new TableServiceClient(new Uri(tableUri), credential);
    }

    /// <summary>
    /// A message that is not Base64 cannot be read by the Functions queue trigger either: like the
    /// trigger, move it straight to the poison queue (with the reason) instead of retrying it.
    /// </summary>
    private async Task MoveUndecodableToPoisonAsync(QueueMessageDecodingFailedEventArgs args)
    {
        if (args.ReceivedMessage is not { } message || args.Queue.Name.EndsWith("-poison", StringComparison.Ordinal))
        {
            return;
        }

        var poison = _queues.GetQueueClient(StorageNames.PoisonQueueFor(args.Queue.Name));
        var envelope = new System.Text.Json.Nodes.JsonObject
        {
            ["parked_message"] = message.Body.ToString(),
            ["queue"] = args.Queue.Name,
            ["reason"] = "the message is not Base64 text (host.json messageEncoding is base64)",
            ["error"] = "undecodable_message",
            ["dequeue_count"] = message.DequeueCount,
        };
        await poison.SendMessageAsync(envelope.ToJsonString(), args.CancellationToken);
        await args.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken);
    }

    /// <summary>A queue client that writes and reads Base64 text, as the Functions queue trigger expects (host.json <c>messageEncoding</c>).</summary>
    public QueueClient Queue(string name) => _queues.GetQueueClient(name);

    public TableClient Table(string name) => _tables.GetTableClient(name);
}
