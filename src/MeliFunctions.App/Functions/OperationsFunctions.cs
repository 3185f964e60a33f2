using MeliFunctions.Hosting;
using MeliFunctions.Http;
using MeliFunctions.Operations;
using MeliFunctions.Orders;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>Reads and actions for operators and other systems (function key required) and the health probe.</summary>
/// <remarks>The <c>admin/...</c> routes use the one-value route constraint: the Functions host reserves templates that start with <c>admin</c>.</remarks>
public sealed class OperationsFunctions(OrdersApi orders, HealthReport health, OperationsOverview overview, PoisonAdmin poison)
{
    [Function("GetOrder")]
    public async Task<IActionResult> GetOrder(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders/{orderId}")] HttpRequest req, string orderId, CancellationToken cancellationToken) =>
        (await orders.GetAsync(orderId, cancellationToken)).ToResult();

    [Function("SearchOrders")]
    public async Task<IActionResult> SearchOrders(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders")] HttpRequest req, CancellationToken cancellationToken) =>
        (await orders.SearchAsync(req.QueryValues(), cancellationToken)).ToResult();

    [Function("Overview")]
    public async Task<IActionResult> Overview(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "{prefix:regex(^admin$)}/overview")] HttpRequest req, CancellationToken cancellationToken) =>
        (await overview.GetAsync(req.Query["seller"], req.Query["hours"], cancellationToken)).ToResult();

    [Function("ListPoison")]
    public async Task<IActionResult> ListPoison(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "{prefix:regex(^admin$)}/poison")] HttpRequest req, CancellationToken cancellationToken) =>
        (await poison.ListAsync(cancellationToken)).ToResult();

    [Function("RequeuePoison")]
    public async Task<IActionResult> RequeuePoison(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "{prefix:regex(^admin$)}/poison/{messageId}/requeue")] HttpRequest req, string messageId, CancellationToken cancellationToken) =>
        (await poison.RequeueAsync(messageId, cancellationToken)).ToResult();

    [Function("Health")]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req, CancellationToken cancellationToken) =>
        (await health.GetAsync(cancellationToken)).ToResult();
}
