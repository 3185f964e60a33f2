using System.Globalization;
using System.Text.Json.Nodes;

namespace MeliFunctions.MercadoLibre;

/// <summary>
/// A Mercado Libre call that changes something, built here (the only place that knows MeLi's paths)
/// and sent with <see cref="MeliApiClient.SendAsync"/>: what the seller actions run once per
/// idempotency key, and what their fingerprint is made of.
/// </summary>
public sealed class MeliRequest
{
    internal MeliRequest(string operation, HttpMethod method, string path, JsonObject? body)
    {
        Operation = operation;
        Method = method;
        Path = path;
        Body = body;
    }

    /// <summary>For metrics and logs, e.g. <c>orders.feedback</c>.</summary>
    public string Operation { get; }

    public HttpMethod Method { get; }

    /// <summary>Relative to the API base, e.g. <c>orders/123/feedback</c>.</summary>
    public string Path { get; }

    public JsonObject? Body { get; }
}

/// <summary>The Mercado Libre calls that change something (and the reads that check them), one factory per endpoint.</summary>
public static class MeliRequests
{
    /// <summary><c>POST /orders/{id}/feedback</c> (<c>fulfilled:false</c> cancels the order as the seller).</summary>
    public static MeliRequest GiveFeedback(long orderId, JsonObject feedback) =>
        new("orders.feedback", HttpMethod.Post, $"orders/{Id(orderId)}/feedback", feedback);

    /// <summary><c>POST /orders/{id}/notes</c> <c>{"note"}</c>.</summary>
    public static MeliRequest AddNote(long orderId, string note) =>
        new("orders.notes.add", HttpMethod.Post, $"orders/{Id(orderId)}/notes", new JsonObject { ["note"] = note });

    /// <summary><c>PUT /orders/{id}/notes/{noteId}</c> <c>{"note"}</c>.</summary>
    public static MeliRequest EditNote(long orderId, string noteId, string note) =>
        new("orders.notes.edit", HttpMethod.Put, $"orders/{Id(orderId)}/notes/{Uri.EscapeDataString(noteId)}", new JsonObject { ["note"] = note });

    /// <summary><c>DELETE /orders/{id}/notes/{noteId}</c>.</summary>
    public static MeliRequest DeleteNote(long orderId, string noteId) =>
        new("orders.notes.delete", HttpMethod.Delete, $"orders/{Id(orderId)}/notes/{Uri.EscapeDataString(noteId)}", null);

    /// <summary><c>PUT /shipments/{id}</c> <c>{"tracking_number"}</c>.</summary>
    public static MeliRequest SetTrackingNumber(long shipmentId, string trackingNumber) =>
        new("shipments.tracking", HttpMethod.Put, $"shipments/{Id(shipmentId)}", new JsonObject { ["tracking_number"] = trackingNumber });

    /// <summary><c>POST /users/{sellerId}/order_blacklist</c> <c>{"user_id"}</c>.</summary>
    public static MeliRequest BlockBuyer(string sellerId, long userId) =>
        new("order_blacklist.add", HttpMethod.Post, $"users/{Uri.EscapeDataString(sellerId)}/order_blacklist", new JsonObject { ["user_id"] = userId });

    /// <summary><c>DELETE /users/{sellerId}/order_blacklist/{userId}</c>.</summary>
    public static MeliRequest UnblockBuyer(string sellerId, long userId) =>
        new("order_blacklist.remove", HttpMethod.Delete, $"users/{Uri.EscapeDataString(sellerId)}/order_blacklist/{Id(userId)}", null);

    /// <summary><c>PUT /items/{id}</c> with the stock figures.</summary>
    public static MeliRequest UpdateItemStock(string itemId, MeliStockUpdate update) =>
        new("items.put", HttpMethod.Put, $"items/{Uri.EscapeDataString(itemId)}", update.ToJson());

    /// <summary><c>GET /orders/{id}/feedback</c>: <c>{"sale", "purchase"}</c> (checks whether our feedback was given).</summary>
    public static MeliRequest ReadFeedback(long orderId) =>
        new("orders.feedback.get", HttpMethod.Get, $"orders/{Id(orderId)}/feedback", null);

    /// <summary><c>GET /orders/{id}/notes</c>.</summary>
    public static MeliRequest ListNotes(long orderId) =>
        new("orders.notes.get", HttpMethod.Get, $"orders/{Id(orderId)}/notes", null);

    /// <summary><c>GET /users/{sellerId}/order_blacklist</c>.</summary>
    public static MeliRequest ReadBlacklist(string sellerId) =>
        new("order_blacklist.get", HttpMethod.Get, $"users/{Uri.EscapeDataString(sellerId)}/order_blacklist", null);

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
