using MeliFunctions.Http;
using MeliFunctions.SellerActions;

namespace MeliFunctions.Server.Http;

/// <summary>The seller action routes (management key required), each a call into Core's <see cref="SellerActionsApi"/>.</summary>
public static class SellerActionRoutes
{
    public static void MapSellerActionRoutes(this RouteGroupBuilder managed)
    {
        managed.MapPut("/orders/{orderId}/shipment/tracking", async (string orderId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.SetTrackingAsync(orderId, req.IdempotencyKey(), req.Body, ct)).ToResult());

        managed.MapPost("/orders/{orderId}/feedback", async (string orderId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.GiveFeedbackAsync(orderId, req.IdempotencyKey(), req.Body, ct)).ToResult());

        managed.MapPost("/orders/{orderId}/notes", async (string orderId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.AddNoteAsync(orderId, req.IdempotencyKey(), req.Body, ct)).ToResult());

        managed.MapGet("/orders/{orderId}/notes", async (string orderId, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.ListNotesAsync(orderId, ct)).ToResult());

        managed.MapPut("/orders/{orderId}/notes/{noteId}", async (string orderId, string noteId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.EditNoteAsync(orderId, noteId, req.IdempotencyKey(), req.Body, ct)).ToResult());

        managed.MapDelete("/orders/{orderId}/notes/{noteId}", async (string orderId, string noteId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.DeleteNoteAsync(orderId, noteId, req.IdempotencyKey(), ct)).ToResult());

        managed.MapPost("/sellers/{sellerId}/blocked-buyers", async (string sellerId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.BlockBuyerAsync(sellerId, req.IdempotencyKey(), req.Body, ct)).ToResult());

        managed.MapGet("/sellers/{sellerId}/blocked-buyers", async (string sellerId, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.ListBlockedBuyersAsync(sellerId, ct)).ToResult());

        managed.MapDelete("/sellers/{sellerId}/blocked-buyers/{buyerId}", async (string sellerId, string buyerId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.UnblockBuyerAsync(sellerId, buyerId, req.IdempotencyKey(), ct)).ToResult());
    }
}
