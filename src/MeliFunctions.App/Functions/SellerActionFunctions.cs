using MeliFunctions.Http;
using MeliFunctions.SellerActions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>Seller actions: tracking number, feedback, notes and blocked buyers (function key required, Idempotency-Key header on changes).</summary>
public sealed class SellerActionFunctions(SellerActionsApi actions)
{
    [Function("SetTrackingNumber")]
    public async Task<IActionResult> SetTrackingNumber(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "orders/{orderId}/shipment/tracking")] HttpRequest req, string orderId, CancellationToken cancellationToken) =>
        (await actions.SetTrackingAsync(orderId, req.IdempotencyKey(), req.Body, cancellationToken)).ToResult();

    [Function("GiveFeedback")]
    public async Task<IActionResult> GiveFeedback(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders/{orderId}/feedback")] HttpRequest req, string orderId, CancellationToken cancellationToken) =>
        (await actions.GiveFeedbackAsync(orderId, req.IdempotencyKey(), req.Body, cancellationToken)).ToResult();

    [Function("AddOrderNote")]
    public async Task<IActionResult> AddOrderNote(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders/{orderId}/notes")] HttpRequest req, string orderId, CancellationToken cancellationToken) =>
        (await actions.AddNoteAsync(orderId, req.IdempotencyKey(), req.Body, cancellationToken)).ToResult();

    [Function("ListOrderNotes")]
    public async Task<IActionResult> ListOrderNotes(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders/{orderId}/notes")] HttpRequest req, string orderId, CancellationToken cancellationToken) =>
        (await actions.ListNotesAsync(orderId, cancellationToken)).ToResult();

    [Function("EditOrderNote")]
    public async Task<IActionResult> EditOrderNote(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "orders/{orderId}/notes/{noteId}")] HttpRequest req, string orderId, string noteId, CancellationToken cancellationToken) =>
        (await actions.EditNoteAsync(orderId, noteId, req.IdempotencyKey(), req.Body, cancellationToken)).ToResult();

    [Function("DeleteOrderNote")]
    public async Task<IActionResult> DeleteOrderNote(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "orders/{orderId}/notes/{noteId}")] HttpRequest req, string orderId, string noteId, CancellationToken cancellationToken) =>
        (await actions.DeleteNoteAsync(orderId, noteId, req.IdempotencyKey(), cancellationToken)).ToResult();

    [Function("BlockBuyer")]
    public async Task<IActionResult> BlockBuyer(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "sellers/{sellerId}/blocked-buyers")] HttpRequest req, string sellerId, CancellationToken cancellationToken) =>
        (await actions.BlockBuyerAsync(sellerId, req.IdempotencyKey(), req.Body, cancellationToken)).ToResult();

    [Function("ListBlockedBuyers")]
    public async Task<IActionResult> ListBlockedBuyers(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sellers/{sellerId}/blocked-buyers")] HttpRequest req, string sellerId, CancellationToken cancellationToken) =>
        (await actions.ListBlockedBuyersAsync(sellerId, cancellationToken)).ToResult();

    [Function("UnblockBuyer")]
    public async Task<IActionResult> UnblockBuyer(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "sellers/{sellerId}/blocked-buyers/{buyerId}")] HttpRequest req, string sellerId, string buyerId, CancellationToken cancellationToken) =>
        (await actions.UnblockBuyerAsync(sellerId, buyerId, req.IdempotencyKey(), cancellationToken)).ToResult();
}
