using Azure.Storage.Queues.Models;
using MeliFunctions.Http;
using MeliFunctions.Notifications;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>Mercado Libre's webhook and the order sync worker.</summary>
public sealed class NotificationFunctions(NotificationIntake intake, NotificationProcessor processor)
{
    [Function("Notifications")]
    public async Task<IActionResult> Notifications(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "notifications")] HttpRequest req, CancellationToken cancellationToken) =>
        (await intake.AcceptAsync(req.ToIntakeRequest(), cancellationToken)).ToResult();

    [Function("OrderSync")]
    public async Task OrderSync(
        [QueueTrigger(StorageNames.NotificationsQueue, Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        var outcome = await processor.ProcessAsync(message.Body.ToString(), message.DequeueCount, cancellationToken);
        if (outcome.Result == WorkResult.Retry)
        {
            // The Functions host makes the message visible again after host.json's visibilityTimeout.
            throw new RetryLaterException(outcome.Reason);
        }
    }
}
