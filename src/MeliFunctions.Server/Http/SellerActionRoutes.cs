using MeliFunctions.SellerActions;

namespace MeliFunctions.Server.Http;

/// <summary>The seller action routes (management key required), each a call into Core's <see cref="SellerActionsApi"/>.</summary>
public static class SellerActionRoutes
{
    public static void MapSellerActionRoutes(this RouteGroupBuilder managed)
    {
        managed.MapPut("/orders/{orderId}/shipment/tracking", async (string orderId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.SetTrackingAsync(orderId, Key(req), req.Body, ct)).ToResult());

        managed.MapPost("/orders/{orderId}/feedback", async (string orderId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.GiveFeedbackAsync(orderId, Key(req), req.Body, ct)).ToResult());

        managed.MapPost("/orders/{orderId}/notes", async (string orderId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.AddNoteAsync(orderId, Key(req), req.Body, ct)).ToResult());

        managed.MapGet("/orders/{orderId}/notes", async (string orderId, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.ListNotesAsync(orderId, ct)).ToResult());

        managed.MapPut("/orders/{orderId}/notes/{noteId}", async (string orderId, string noteId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.EditNoteAsync(orderId, noteId, Key(req), req.Body, ct)).ToResult());

        managed.MapDelete("/orders/{orderId}/notes/{noteId}", async (string orderId, string noteId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.DeleteNoteAsync(orderId, noteId, Key(req), ct)).ToResult());

        managed.MapPost("/sellers/{sellerId}/blocked-buyers", async (string sellerId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.BlockBuyerAsync(sellerId, Key(req), req.Body, ct)).ToResult());

        managed.MapGet("/sellers/{sellerId}/blocked-buyers", async (string sellerId, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.ListBlockedBuyersAsync(sellerId, ct)).ToResult());

        managed.MapDelete("/sellers/{sellerId}/blocked-buyers/{buyerId}", async (string sellerId, string buyerId, HttpRequest req, SellerActionsApi actions, CancellationToken ct) =>
            (await actions.UnblockBuyerAsync(sellerId, buyerId, Key(req), ct)).ToResult());
    }

    private static string? Key(HttpRequest req) => req.Headers[SellerActionsApi.IdempotencyKeyHeader].FirstOrDefault();
}
