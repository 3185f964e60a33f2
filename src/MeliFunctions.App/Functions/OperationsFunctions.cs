using MeliFunctions.Hosting;
using MeliFunctions.Orders;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>Reads for operators and other systems (function key required) and the health probe.</summary>
public sealed class OperationsFunctions(OrdersApi orders, HealthReport health)
{
    [Function("GetOrder")]
    public async Task<IActionResult> GetOrder(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders/{orderId}")] HttpRequest req, string orderId, CancellationToken cancellationToken) =>
        (await orders.GetAsync(orderId, cancellationToken)).ToResult();

    [Function("Health")]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req, CancellationToken cancellationToken) =>
        (await health.GetAsync(cancellationToken)).ToResult();
}
