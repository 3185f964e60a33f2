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

    /// <summary>
    /// A retry is a new copy of the message, due after Core's growing delay (<c>Retry__BaseDelay</c>
    /// doubling to <c>Retry__MaxDelay</c>) and carrying the attempt count; this one is then done.
    /// </summary>
    [Function("OrderSync")]
    public async Task OrderSync(
        [QueueTrigger(StorageNames.NotificationsQueue, Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken) =>
        await processor.ProcessAndResendRetryAsync(message.Body.ToString(), message.DequeueCount, cancellationToken);
}
