using MeliFunctions.Hosting;
using MeliFunctions.Http;
using MeliFunctions.Operations;
using MeliFunctions.Orders;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MeliFunctions.App.Functions;

/// <summary>Reads and actions for operators and other systems (function key required) and the health probes.</summary>
/// <remarks>The <c>admin/...</c> routes use the one-value route constraint: the Functions host reserves templates that start with <c>admin</c>.</remarks>
public sealed class OperationsFunctions(OrdersApi orders, HealthCheckService health, SellerHealthReport sellerHealth, OperationsOverview overview, PoisonAdmin poison)
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

    /// <summary>Ready: storage and queues answer. Only healthy or not, per check.</summary>
    [Function("Health")]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req, CancellationToken cancellationToken) =>
        HealthProbe.ToResponse(await health.CheckHealthAsync(HealthProbe.IsReadiness, cancellationToken)).ToResult();

    /// <summary>Live: the worker answers; no check runs.</summary>
    [Function("HealthLive")]
    public async Task<IActionResult> HealthLive(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/live")] HttpRequest req, CancellationToken cancellationToken) =>
        HealthProbe.ToResponse(await health.CheckHealthAsync(_ => false, cancellationToken)).ToResult();

    /// <summary>Queue depths, poison counts and the sellers' connection state, behind the key.</summary>
    [Function("AdminHealth")]
    public async Task<IActionResult> AdminHealth(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "{prefix:regex(^admin$)}/health")] HttpRequest req, CancellationToken cancellationToken) =>
        (await sellerHealth.GetAsync(cancellationToken)).ToResult();
}
