using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Orders;

namespace MeliFunctions.SellerActions;

/// <summary>
/// The seller action routes, host-neutral: tracking number, feedback, notes and blocked buyers. Each
/// request is checked before Mercado Libre is called; each change needs an <c>Idempotency-Key</c>.
/// </summary>
public sealed partial class SellerActionsApi(
    OrderStore orders,
    SellerAccounts sellers,
    MeliApiClient meli,
    SellerActionRunner runner)
{
    public const int MaxNoteLength = 300;
    public const int MaxTrackingNumberLength = 100;
    private const int MaxBodyBytes = 16 * 1024;

    /// <summary><c>PUT /api/orders/{orderId}/shipment/tracking</c> <c>{"tracking_number": "..."}</c>: <c>PUT /shipments/{id}</c>.</summary>
    public async Task<ApiResponse> SetTrackingAsync(string orderId, string? key, Stream body, CancellationToken cancellationToken)
    {
        var (json, bad) = await CheckAsync(orderId, key, body, "{\"tracking_number\": \"...\"}", cancellationToken);
        if (bad is not null)
        {
            return bad;
        }

        if (json!["tracking_number"] is not JsonValue t || !t.TryGetValue<string>(out var tracking) || string.IsNullOrWhiteSpace(tracking) || tracking.Length > MaxTrackingNumberLength)
        {
            return ApiResponse.Error(400, "invalid_tracking_number", $"tracking_number is required: a text of 1 to {MaxTrackingNumberLength} characters.");
        }

        var (order, missing) = await FindOrderAsync(orderId, cancellationToken);
        if (missing is not null)
        {
            return missing;
        }

        if (order!.Order["shipping"]?["id"] is not JsonValue s || !s.TryGetValue<long>(out var shipmentId))
        {
            return ApiResponse.Error(409, "no_shipment", $"Order {order.OrderId} has no shipment to track (its shipping has no id).");
        }

        return await runner.RunAsync(new SellerActionCall(order.SellerId, order.OrderId, key!, "tracking_number", "api",
            MeliRequests.SetTrackingNumber(shipmentId, tracking.Trim()), 200), cancellationToken);
    }

    /// <summary><c>POST /api/orders/{orderId}/feedback</c>: checked by <see cref="FeedbackRules"/>, then <c>POST /orders/{id}/feedback</c>.</summary>
    public async Task<ApiResponse> GiveFeedbackAsync(string orderId, string? key, Stream body, CancellationToken cancellationToken)
    {
        var (json, bad) = await CheckAsync(orderId, key, body, "{\"fulfilled\": true, \"rating\": \"positive\", \"message\": \"...\"}", cancellationToken);
        if (bad is not null)
        {
            return bad;
        }

        var (feedback, error, message) = FeedbackRules.Validate(json!);
        if (feedback is null)
        {
            return ApiResponse.Error(400, error!, message!);
        }

        var (order, missing) = await FindOrderAsync(orderId, cancellationToken);
        if (missing is not null)
        {
            return missing;
        }

        return await runner.RunAsync(FeedbackCall(order!.SellerId, order.OrderId, key!, "api", feedback), cancellationToken);
    }

    internal static SellerActionCall FeedbackCall(string sellerId, long orderId, string key, string source, JsonObject feedback) =>
        new(sellerId, orderId, key, "feedback", source, MeliRequests.GiveFeedback(orderId, feedback), 201)
        {
            // Feedback is given once: the sale's feedback with our fulfilled and rating is ours.
            Check = new OutcomeCheck(MeliRequests.ReadFeedback(orderId), (seen, _) =>
                seen?["sale"] is JsonObject sale &&
                sale["fulfilled"]?.ToJsonString() == feedback["fulfilled"]?.ToJsonString() &&
                sale["rating"]?.ToJsonString() == feedback["rating"]?.ToJsonString()
                    ? sale
                    : null),
        };

    /// <summary>A note with our text, made since the first attempt (a little clock skew allowed).</summary>
    internal static JsonNode? FindNote(JsonNode? seen, string text, DateTimeOffset since) =>
        (seen as JsonArray ?? [])
        .SelectMany(group => group?["results"] as JsonArray ?? [])
        .FirstOrDefault(n => n?["note"] is JsonValue v && v.TryGetValue<string>(out var t) && t == text &&
                             (n["date_created"] is not JsonValue d || !d.TryGetValue<string>(out var created) ||
                              !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ||
                              at >= since - TimeSpan.FromMinutes(5)));

    /// <summary><c>POST /api/orders/{orderId}/notes</c> <c>{"note": "..."}</c> (300 characters at most).</summary>
    public async Task<ApiResponse> AddNoteAsync(string orderId, string? key, Stream body, CancellationToken cancellationToken)
    {
        var (note, order, bad) = await NoteRequestAsync(orderId, key, body, cancellationToken);
        if (bad is not null)
        {
            return bad;
        }

        var text = note!;
        return await runner.RunAsync(new SellerActionCall(order!.SellerId, order.OrderId, key!, "note_add", "api",
            MeliRequests.AddNote(order.OrderId, text), 201)
        {
            Check = new OutcomeCheck(MeliRequests.ListNotes(order.OrderId), (seen, since) => FindNote(seen, text, since)),
        }, cancellationToken);
    }

    /// <summary><c>PUT /api/orders/{orderId}/notes/{noteId}</c> <c>{"note": "..."}</c>.</summary>
    public async Task<ApiResponse> EditNoteAsync(string orderId, string noteId, string? key, Stream body, CancellationToken cancellationToken)
    {
        if (!NoteIdPattern().IsMatch(noteId))
        {
            return ApiResponse.Error(400, "invalid_note_id", $"'{noteId}' is not a note id.");
        }

        var (note, order, bad) = await NoteRequestAsync(orderId, key, body, cancellationToken);
        return bad ?? await runner.RunAsync(new SellerActionCall(order!.SellerId, order.OrderId, key!, "note_edit", "api",
            MeliRequests.EditNote(order.OrderId, noteId, note!), 200), cancellationToken);
    }

    /// <summary><c>DELETE /api/orders/{orderId}/notes/{noteId}</c>.</summary>
    public async Task<ApiResponse> DeleteNoteAsync(string orderId, string noteId, string? key, CancellationToken cancellationToken)
    {
        if ((InvalidOrderId(orderId) ?? InvalidKey(key)) is { } bad)
        {
            return bad;
        }

        if (!NoteIdPattern().IsMatch(noteId))
        {
            return ApiResponse.Error(400, "invalid_note_id", $"'{noteId}' is not a note id.");
        }

        var (order, missing) = await FindOrderAsync(orderId, cancellationToken);
        return missing ?? await runner.RunAsync(new SellerActionCall(order!.SellerId, order.OrderId, key!, "note_delete", "api",
            MeliRequests.DeleteNote(order.OrderId, noteId), 200), cancellationToken);
    }

    /// <summary><c>GET /api/orders/{orderId}/notes</c>: Mercado Libre's list, as it answers.</summary>
    public async Task<ApiResponse> ListNotesAsync(string orderId, CancellationToken cancellationToken)
    {
        if (InvalidOrderId(orderId) is { } bad)
        {
            return bad;
        }

        var (order, missing) = await FindOrderAsync(orderId, cancellationToken);
        return missing ?? await ReadAsync(async () => (await meli.ListNotesAsync(order!.SellerId, order.OrderId, cancellationToken)).Json);
    }

    /// <summary><c>POST /api/sellers/{sellerId}/blocked-buyers</c> <c>{"user_id": n}</c>: <c>POST /users/{sellerId}/order_blacklist</c>.</summary>
    public async Task<ApiResponse> BlockBuyerAsync(string sellerId, string? key, Stream body, CancellationToken cancellationToken)
    {
        if ((InvalidSellerId(sellerId) ?? InvalidKey(key)) is { } bad)
        {
            return bad;
        }

        var (json, error) = await JsonBody.ReadObjectAsync(body, MaxBodyBytes, cancellationToken);
        if (json is null)
        {
            return JsonBody.Refusal(error!, MaxBodyBytes, "{\"user_id\": 123456789}");
        }

        if (json["user_id"] is not JsonValue u || !u.TryGetValue<long>(out var userId) || userId <= 0)
        {
            return ApiResponse.Error(400, "invalid_user_id", "user_id must be the buyer's Mercado Libre user id (a positive number).");
        }

        if (userId.ToString(CultureInfo.InvariantCulture) == sellerId)
        {
            return ApiResponse.Error(400, "invalid_user_id", "A seller cannot block itself.");
        }

        return await SellerConnectedAsync(sellerId, cancellationToken) ?? await runner.RunAsync(new SellerActionCall(sellerId, null, key!, "buyer_block", "api",
            MeliRequests.BlockBuyer(sellerId, userId), 201)
        {
            Check = new OutcomeCheck(MeliRequests.ReadBlacklist(sellerId), (seen, _) =>
                (seen as JsonArray ?? []).FirstOrDefault(e => (e?["user"]?["id"] ?? e?["user_id"]) is JsonValue v && v.TryGetValue<long>(out var id) && id == userId)),
        }, cancellationToken);
    }

    /// <summary><c>DELETE /api/sellers/{sellerId}/blocked-buyers/{buyerId}</c>.</summary>
    public async Task<ApiResponse> UnblockBuyerAsync(string sellerId, string buyerId, string? key, CancellationToken cancellationToken)
    {
        if ((InvalidSellerId(sellerId) ?? InvalidKey(key)) is { } bad)
        {
            return bad;
        }

        if (!long.TryParse(buyerId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            return ApiResponse.Error(400, "invalid_user_id", $"'{buyerId}' is not a Mercado Libre user id.");
        }

        return await SellerConnectedAsync(sellerId, cancellationToken) ?? await runner.RunAsync(new SellerActionCall(sellerId, null, key!, "buyer_unblock", "api",
            MeliRequests.UnblockBuyer(sellerId, id), 200), cancellationToken);
    }

    /// <summary><c>GET /api/sellers/{sellerId}/blocked-buyers</c>: Mercado Libre's list, as it answers.</summary>
    public async Task<ApiResponse> ListBlockedBuyersAsync(string sellerId, CancellationToken cancellationToken)
    {
        if (InvalidSellerId(sellerId) is { } bad)
        {
            return bad;
        }

        return await SellerConnectedAsync(sellerId, cancellationToken) ?? await ReadAsync(async () => (await meli.GetBlacklistAsync(sellerId, cancellationToken)).Json);
    }

    private static async Task<ApiResponse> ReadAsync(Func<Task<JsonNode?>> read)
    {
        using var priority = MeliCallScope.Begin(MeliPriority.SellerAction);
        try
        {
            var json = await read();
            return json is null ? new ApiResponse(200, "null") : ApiResponse.Json(200, json);
        }
        catch (MeliApiException ex)
        {
            return MeliErrors.ForRead(ex);
        }
    }

    private async Task<(string? Note, StoredOrder? Order, ApiResponse? Bad)> NoteRequestAsync(string orderId, string? key, Stream body, CancellationToken cancellationToken)
    {
        var (json, bad) = await CheckAsync(orderId, key, body, "{\"note\": \"...\"}", cancellationToken);
        if (bad is not null)
        {
            return (null, null, bad);
        }

        if (json!["note"] is not JsonValue n || !n.TryGetValue<string>(out var note) || string.IsNullOrWhiteSpace(note))
        {
            return (null, null, ApiResponse.Error(400, "invalid_note", "note is required: a text for the order."));
        }

        if (note.Length > MaxNoteLength)
        {
            return (null, null, ApiResponse.Error(400, "note_too_long", $"The note has {note.Length} characters; Mercado Libre takes {MaxNoteLength} at most. Nothing was sent."));
        }

        var (order, missing) = await FindOrderAsync(orderId, cancellationToken);
        return (note, order, missing);
    }

    private static async Task<(JsonObject? Json, ApiResponse? Bad)> CheckAsync(string orderId, string? key, Stream body, string example, CancellationToken cancellationToken)
    {
        if ((InvalidOrderId(orderId) ?? InvalidKey(key)) is { } bad)
        {
            return (null, bad);
        }

        var (json, error) = await JsonBody.ReadObjectAsync(body, MaxBodyBytes, cancellationToken);
        return json is null ? (null, JsonBody.Refusal(error!, MaxBodyBytes, example)) : (json, null);
    }

    private async Task<(StoredOrder? Order, ApiResponse? Missing)> FindOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        var id = long.Parse(orderId, NumberStyles.None, CultureInfo.InvariantCulture);
        var order = await orders.FindAsync(id, cancellationToken);
        return order is null
            ? (null, ApiResponse.NotFound($"Order {id} is not in the store: actions apply to orders Mercado Libre has notified (GET /api/orders/{id})."))
            : (order, null);
    }

    private async Task<ApiResponse?> SellerConnectedAsync(string sellerId, CancellationToken cancellationToken) =>
        await sellers.GetAsync(sellerId, cancellationToken) is null
            ? ApiResponse.Error(404, "seller_not_connected", $"Seller {sellerId} has not connected the app (GET /api/oauth/start).")
            : null;

    private static ApiResponse? InvalidOrderId(string orderId) =>
        long.TryParse(orderId, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? null
            : ApiResponse.Error(400, "invalid_order_id", $"'{orderId}' is not an order id: Mercado Libre order ids are numbers.");

    private static ApiResponse? InvalidSellerId(string sellerId) =>
        RequestKeys.IsMeliId(sellerId)
            ? null
            : ApiResponse.Error(400, "invalid_seller_id", $"'{sellerId}' is not a seller id: Mercado Libre user ids are numbers.");

    private static ApiResponse? InvalidKey(string? key) =>
        RequestKeys.IsIdempotencyKey(key)
            ? null
            : ApiResponse.Error(400, "invalid_idempotency_key",
                $"Send an {RequestKeys.IdempotencyKeyHeader} header ({RequestKeys.IdempotencyKeyRule}), new for each action and the same when you retry it.");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NoteIdPattern();
}
