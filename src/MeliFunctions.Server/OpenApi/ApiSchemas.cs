using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace MeliFunctions.Server.OpenApi;

/// <summary>
/// The JSON bodies the routes take and answer, as OpenAPI component schemas. Core builds its answers
/// as JSON objects (no CLR types to infer them from), so the shapes are written here, from the
/// code that writes them; fields MeLi sends are passed through as MeLi sends them, so objects stay
/// open to more properties than listed.
/// </summary>
internal static class ApiSchemas
{
    public const string Error = "Error";

    /// <summary>Every component schema, by name.</summary>
    public static IReadOnlyDictionary<string, OpenApiSchema> All(OpenApiDocument document)
    {
        IOpenApiSchema Ref(string name) => new OpenApiSchemaReference(name, document);

        return new SortedDictionary<string, OpenApiSchema>(StringComparer.Ordinal)
        {
            [Error] = Obj(
                "The product's error answer: a code a program can branch on and a message a person can act on.",
                ["error", "message", "status"],
                ("error", Str("A stable snake_case code, e.g. invalid_order_id, not_found, invalid_key")),
                ("message", Str("What went wrong and what to do")),
                ("status", Int("The HTTP status, repeated")),
                ("retryable", Bool("Seller actions: true when retrying with the same Idempotency-Key may succeed")),
                ("meli", Open("Seller actions: Mercado Libre's own error answer, when it gave one"))),
            ["Notification"] = Obj(
                "Mercado Libre's notification, as MeLi posts it.",
                ["resource", "user_id", "topic"],
                ("_id", Str("MeLi's notification id")),
                ("resource", Str("The changed resource, e.g. /orders/2000000000000001")),
                ("user_id", NumberOrString("The seller's Mercado Libre user id (a number or a string)")),
                ("topic", Str("orders_v2, shipments, items, ... (others are answered 200 ignored)")),
                ("application_id", NumberOrString("The MeLi application id (a number or a string); another app's is refused with 403")),
                ("attempts", Int("How often MeLi has sent it")),
                ("sent", Timestamp()),
                ("received", Timestamp())),
            ["NotificationAccepted"] = Obj(
                "The notification is on the queue (queued), or is for a topic the app does not act on (ignored).",
                ["status"],
                ("status", Str(null, values: ["queued", "ignored"])),
                ("reason", Str("Why it was ignored"))),
            ["OAuthConnected"] = Obj(
                "The seller is connected: its tokens are stored, sealed.",
                ["user_id", "status"],
                ("user_id", Int("The seller's Mercado Libre user id")),
                ("status", Str(null, values: ["connected"])),
                ("scope", Nullable(Str("The scopes MeLi granted")))),
            ["InviteRequest"] = Obj(
                "An optional body for a new invitation.",
                [],
                ("expires_in_hours", Int("1 to 720; 72 when left out", minimum: 1, maximum: 720)),
                ("note", Str("Who the invitation is for (200 characters at most)", maxLength: 200))),
            ["Invite"] = Obj(
                "A single-use enrolment invitation: send the seller the url.",
                ["invite", "url", "expires_at"],
                ("invite", Str("The invitation (kept only as its hash)")),
                ("url", Str("/api/oauth/start?invite=...", format: "uri")),
                ("expires_at", Timestamp()),
                ("note", Nullable(Str(null)))),
            ["Order"] = Obj(
                "The stored order: Mercado Libre's order fields at the root as MeLi sent them, the sync metadata under _sync.",
                ["id", "_sync"],
                ("id", Int("The order id")),
                ("status", Str("MeLi's order status")),
                ("_sync", Open("Our metadata: fetched_at, synced_at, version, hold, shipment, total with shipping, discounts, pack, actions"))),
            ["OrderSearch"] = Obj(
                "Mercado Libre's order search shape over the stored orders.",
                ["results", "paging"],
                ("query", Nullable(Str("The q filter"))),
                ("results", Arr(Ref("Order"), "Orders, in the shape of GET /api/orders/{orderId}")),
                ("sort", Open("The sort used: id and name")),
                ("available_sorts", Arr(Open("A sort"), null)),
                ("filters", Arr(Open("A filter applied: id, name, type and values or from/to"), null)),
                ("paging", Obj(null, ["total", "offset", "limit"], ("total", Int(null)), ("offset", Int(null)), ("limit", Int(null)))),
                ("display", Str(null)),
                ("_search", Open("What the search read: the sort date, index rows read, the key range"))),
            ["Overview"] = Obj(
                "The operator's overview.",
                ["time", "queues", "sellers", "orders_per_hour"],
                ("time", Timestamp()),
                ("queues", Arr(Obj("A queue", ["name", "depth"], ("name", Str(null)), ("depth", Int(null)), ("oldest_inserted_on", Nullable(Timestamp())), ("oldest_age_seconds", Nullable(Num(null)))), null)),
                ("sellers", Arr(Obj("A seller and its token", ["seller_id", "status"],
                    ("seller_id", Str(null)), ("status", Str(null)), ("status_reason", Nullable(Str(null))), ("token_state", Str(null)),
                    ("access_token_expires_at", Nullable(Timestamp())), ("last_refresh_at", Nullable(Timestamp())), ("connected_at", Nullable(Timestamp()))), null)),
                ("orders_per_hour", Obj(null, ["from", "hours", "total"],
                    ("seller", Nullable(Str(null))), ("from", Timestamp()), ("by", Str(null)),
                    ("hours", Arr(Obj(null, ["hour", "count"], ("hour", Timestamp()), ("count", Int(null))), null)), ("total", Int(null))))),
            ["PoisonList"] = Obj(
                "The oldest poison messages.",
                ["queue", "count", "messages"],
                ("queue", Str(null)),
                ("requeue_to", Str(null)),
                ("count", Int("Messages in the poison queue")),
                ("shown", Int(null)),
                ("messages", Arr(Obj("A parked message", ["message_id", "reason"],
                    ("message_id", Str(null)), ("inserted_on", Nullable(Timestamp())), ("reason", Str(null)), ("error", Nullable(Str(null))),
                    ("details", Open("MeLi's error body, when there was one")), ("parked_at", Nullable(Timestamp())), ("dequeue_count", Int(null)),
                    ("notification", Open("The notification as it was queued"))), null))),
            ["PoisonRequeued"] = Obj(
                "The message is back on meli-notifications.",
                ["requeued", "queue"],
                ("requeued", Str("The poison message id")),
                ("queue", Str(null)),
                ("reason", Nullable(Str("Why it had been parked")))),
            ["FraudCase"] = Obj(
                "A fraud case: its state and every step with its time.",
                ["order_id", "seller_id", "state", "steps"],
                ("order_id", Int(null)),
                ("seller_id", Str(null)),
                ("state", Str("Final states: cancelled, manual_review, dismissed",
                    values: ["held", "inspecting", "awaiting_meli_cancel", "cancelling", "awaiting_cancelled", "restoring", "releasing", "cancelled", "manual_review", "dismissed"])),
                ("hold", Bool(null)),
                ("final", Bool(null)),
                ("pull_package", Bool("The label is printed: pull the package")),
                ("manual_action", Nullable(Str("What to do on MeLi's site"))),
                ("deadline", Nullable(Timestamp())),
                ("in_progress", Nullable(Str(null))),
                ("stock_restored", Bool(null)),
                ("note_added", Bool(null)),
                ("buyer_blacklisted", Bool(null)),
                ("created_at", Timestamp()),
                ("updated_at", Timestamp()),
                ("steps", Arr(Obj(null, ["step", "at"], ("step", Str(null)), ("at", Timestamp()), ("result", Nullable(Str(null)))), null))),
            ["FraudCaseList"] = Obj(
                "A seller's fraud cases, newest first.",
                ["seller_id", "results", "paging"],
                ("seller_id", Str(null)),
                ("results", Arr(Ref("FraudCase"), null)),
                ("paging", Obj(null, ["total", "limit"], ("total", Int(null)), ("limit", Int(null))))),
            ["Stock"] = Obj(
                "The seller's own stock for a listing.",
                ["seller_id", "item_id", "available_quantity", "oversold", "variations"],
                ("seller_id", Str(null)),
                ("item_id", Str(null)),
                ("available_quantity", Int(null)),
                ("oversold", Bool(null)),
                ("oversold_units", Int(null)),
                ("last_change", Nullable(Obj(null, [], ("at", Timestamp()), ("source", Str(null))))),
                ("variations", Arr(Obj(null, ["id", "available_quantity"],
                    ("id", Int(null)), ("available_quantity", Int(null)), ("oversold", Bool(null)), ("oversold_units", Int(null)),
                    ("last_change", Nullable(Open(null)))), null)),
                ("listing_row", Bool(null)),
                ("adjustment", Obj("Adjustments only: the adjustment applied (or replayed)", [],
                    ("idempotency_key", Str(null)), ("delta", Int(null)), ("variation_id", Nullable(Int(null))), ("replayed", Bool(null))))),
            ["StockPut"] = Obj(
                "The listing's figure, or each variation's.",
                [],
                ("available_quantity", Int("Zero or more", minimum: 0)),
                ("variations", Arr(Obj(null, ["id", "available_quantity"], ("id", Int(null)), ("available_quantity", Int(null, minimum: 0))), null))),
            ["StockAdjustment"] = Obj(
                "A change by delta, applied once per idempotency key (the Idempotency-Key header).",
                ["delta"],
                ("delta", Int("A whole number other than zero")),
                ("idempotency_key", Deprecated(Str("Deprecated: send the Idempotency-Key header. 1 to 100 letters, digits, '.', '_', ':' or '-'; when both are sent they must be equal"))),
                ("variation_id", Int(null))),
            ["ReconcileRun"] = Obj(
                "The reconcile run now.",
                ["dry_run", "sellers", "reports"],
                ("dry_run", Bool(null)),
                ("sellers", Int(null)),
                ("reports", Arr(Ref("ReconcileReport"), null))),
            ["ReconcileReport"] = Open("A reconcile report: per listing what differed, what was pushed, what failed and why, and the counts."),
            ["SweepStarted"] = Obj(
                "The run started; read its report at status_url.",
                ["run_id", "state", "status_url"],
                ("run_id", Str(null)),
                ("seller_id", Str(null)),
                ("state", Str(null, values: ["running"])),
                ("status_url", Str(null))),
            ["SweepReport"] = Open("A sweep run's report: per seller what was listed, stored, queued, and the requests it cost."),
            ["BackfillProgress"] = Open("A backfill's progress: pages done, orders queued, total, percent, state."),
            ["MeliAnswer"] = Open("Mercado Libre's answer to the seller action, as MeLi sent it."),
            ["TrackingNumber"] = Obj(null, ["tracking_number"], ("tracking_number", Str(null))),
            ["Feedback"] = Obj(
                "Feedback for the buyer, checked before any MeLi call.",
                ["fulfilled", "rating", "message"],
                ("fulfilled", Bool(null)),
                ("rating", Str(null, values: ["positive", "neutral", "negative"])),
                ("message", Str(null, maxLength: 160)),
                ("reason", Str("Required when fulfilled is false"))),
            ["Note"] = Obj(null, ["note"], ("note", Str("300 characters at most", maxLength: 300))),
            ["BlockedBuyer"] = Obj(null, ["user_id"], ("user_id", Int("The buyer's Mercado Libre user id"))),
            ["Health"] = Obj(
                "Healthy or not, per check; nothing about sellers.",
                ["status"],
                ("status", Str(null, values: ["healthy", "unhealthy"])),
                ("checks", Obj(null, [], ("storage", Str(null, values: ["healthy", "unhealthy"])), ("queues", Str(null, values: ["healthy", "unhealthy"]))))),
            ["AdminHealth"] = Obj(
                "Storage, Mercado Libre reachable, queue depths, poison count and the sellers' connection state; degraded while a seller is disconnected or MeLi unreachable.",
                ["status", "storage"],
                ("status", Str(null, values: ["healthy", "degraded", "unhealthy"])),
                ("time", Timestamp()),
                ("storage", Str(null, values: ["reachable", "unreachable"])),
                ("meli", Str("Whether Mercado Libre's API host accepts a connection (no request is sent)", values: ["reachable", "unreachable"])),
                ("queues", new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = Int("Approximate depth") }),
                ("poison", Int(null)),
                ("sellers", Obj(null, [], ("connected", Int(null)), ("disconnected", Arr(Obj(null, ["seller_id"], ("seller_id", Str(null)), ("reason", Nullable(Str(null)))), null)))),
                ("message", Str("When unhealthy: the kind of failure"))),
            ["OpenApiDocument"] = Open("This document."),
        };
    }

    private static OpenApiSchema Deprecated(OpenApiSchema schema)
    {
        schema.Deprecated = true;
        return schema;
    }

    private static OpenApiSchema Timestamp() => Str("ISO 8601 date and time", format: "date-time");

    public static OpenApiSchema Str(string? description, string? format = null, string[]? values = null, int? maxLength = null) => new()
    {
        Type = JsonSchemaType.String,
        Description = description,
        Format = format,
        Enum = values?.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
        MaxLength = maxLength,
    };

    private static OpenApiSchema Int(string? description, int? minimum = null, int? maximum = null) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int64",
        Description = description,
        Minimum = minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static OpenApiSchema NumberOrString(string? description) => new() { Type = JsonSchemaType.Integer | JsonSchemaType.String, Description = description };

    private static OpenApiSchema Num(string? description) => new() { Type = JsonSchemaType.Number, Description = description };

    private static OpenApiSchema Bool(string? description) => new() { Type = JsonSchemaType.Boolean, Description = description };

    private static OpenApiSchema Open(string? description) => new() { Type = JsonSchemaType.Object, Description = description };

    private static OpenApiSchema Arr(IOpenApiSchema items, string? description) => new() { Type = JsonSchemaType.Array, Items = items, Description = description };

    private static OpenApiSchema Nullable(OpenApiSchema schema)
    {
        schema.Type |= JsonSchemaType.Null;
        return schema;
    }

    private static OpenApiSchema Obj(string? description, string[] required, params (string Name, IOpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Required = required.Length == 0 ? null : new SortedSet<string>(required, StringComparer.Ordinal),
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema, StringComparer.Ordinal),
    };
}
