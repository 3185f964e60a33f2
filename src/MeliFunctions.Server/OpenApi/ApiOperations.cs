namespace MeliFunctions.Server.OpenApi;

/// <summary>
/// What the OpenAPI document says about each route, keyed by method and path as both hosts serve
/// it. The operation id is the App's function name for the route. Whether a route needs the key
/// is not written here: it is read from the endpoint (<see cref="Http.ManagementKeyRequired"/>).
/// </summary>
internal static class ApiOperations
{
    private static readonly ApiParameter SellerQuery = new("seller", "The Mercado Libre seller (user) id, digits");

    public static IReadOnlyDictionary<string, ApiOperation> All { get; } = new Dictionary<string, ApiOperation>(StringComparer.Ordinal)
    {
        ["POST /api/notifications"] = new("Notifications", "Webhook", "Mercado Libre's notification webhook")
        {
            Description = "Validates the notification, writes it to the queue and only then answers 200. No table read and no MeLi call on this path.",
            Query = [new("secret", "The callback secret, when Notifications__CallbackSecret is set")],
            Body = new("Notification", Required: true),
            Answers =
            [
                new(200, "Queued, or ignored (a topic the app does not act on)", "NotificationAccepted"),
                new(400, "Not a notification: malformed, trailing content, or a resource that does not match its topic"),
                new(401, "invalid_secret: the callback secret is set and the query lacks it"),
                new(403, "Another app's notification, or address_not_allowed"),
                new(413, "The body is over Notifications__MaxBodyBytes (16 KiB)"),
                new(415, "The body is not application/json"),
                new(503, "The queue could not be written: MeLi retries"),
            ],
        },
        ["GET /api/oauth/start"] = new("OAuthStart", "OAuth", "Start connecting a seller")
        {
            Description = "Redirects to Mercado Libre's authorization page with a single-use state bound to this browser by an HttpOnly cookie, and a PKCE S256 challenge.",
            Query = [new("invite", "A single-use invitation; required for a new account while enrolment is closed")],
            Answers =
            [
                new(302, "To Mercado Libre's authorization page (Location), with the state cookie", null),
                new(400, "invalid_invite, expired_invite or used_invite"),
            ],
        },
        ["GET /api/oauth/callback"] = new("OAuthCallback", "OAuth", "Mercado Libre's redirect back: store the seller's tokens")
        {
            Description = "Checks the state and this browser's cookie, exchanges the code with the PKCE verifier and stores the seller's tokens sealed.",
            Query = [new("code", "The authorization code"), new("state", "The state /api/oauth/start issued"), new("error", "Sent by MeLi when the seller refused")],
            Answers =
            [
                new(200, "The seller is connected", "OAuthConnected"),
                new(400, "missing_parameter, invalid_state, expired_state, state_not_from_this_browser or authorization_denied"),
                new(403, "not_invited: a new account while enrolment is closed and the start had no invitation"),
                new(502, "Mercado Libre refused the code exchange"),
            ],
        },
        ["GET /api/health"] = new("Health", "Health", "Ready: storage and queues answer")
        {
            Description = "Only healthy or not, per check: no seller ids, no depths.",
            Answers = [new(200, "Healthy", "Health"), new(503, "Unhealthy", "Health")],
        },
        ["GET /api/health/live"] = new("HealthLive", "Health", "Live: the host answers")
        {
            Description = "No check runs.",
            Answers = [new(200, "Healthy", "Health")],
        },
        ["GET /api/admin/health"] = new("AdminHealth", "Operations", "Storage, queue depths, poison count, connected and disconnected sellers")
        {
            Answers = [new(200, "Reachable; degraded when a seller is disconnected", "AdminHealth"), new(503, "Storage unreachable", "AdminHealth")],
        },
        ["POST /api/admin/invites"] = new("CreateInvite", "OAuth", "Create a single-use enrolment invitation")
        {
            Body = new("InviteRequest", Required: false),
            Answers = [new(201, "The invitation; send the seller its url", "Invite"), new(400, "invalid_body, invalid_expires_in_hours or invalid_note"), new(413, "The body is too large")],
        },
        ["GET /api/orders"] = new("SearchOrders", "Orders", "Search the stored orders, in Mercado Libre's search shape")
        {
            Description = "Sorted on MeLi's seller sort date (date_closed, else date_created). A repeated name keeps its values comma-joined.",
            Query =
            [
                SellerQuery with { Required = true },
                new("order.status", "Comma-separated MeLi order statuses"),
                new("tags", "Comma-separated tags every order has"),
                new("tags.not", "Comma-separated tags no order has"),
                new("q", "Text matched on the order id, buyer nickname, item ids and titles"),
                new("order.date_created.from", "ISO 8601"),
                new("order.date_created.to", "ISO 8601"),
                new("order.date_closed.from", "ISO 8601"),
                new("order.date_closed.to", "ISO 8601"),
                new("order.date_last_updated.from", "ISO 8601"),
                new("order.date_last_updated.to", "ISO 8601"),
                new("sort", "date_asc (default) or date_desc"),
                new("offset", "From 0"),
                new("limit", "1 to 51"),
            ],
            Answers = [new(200, "A page of orders", "OrderSearch"), new(400, "A bad or unknown filter, with the reason")],
        },
        ["GET /api/orders/{orderId}"] = new("GetOrder", "Orders", "The stored order")
        {
            Answers = [new(200, "MeLi's fields at the root, sync metadata under _sync", "Order"), new(400, "invalid_order_id"), new(404, "Not in the store")],
        },
        ["GET /api/admin/overview"] = new("Overview", "Operations", "Queue depths and ages, sellers and their tokens, orders per hour")
        {
            Query = [SellerQuery, new("hours", "How many hours of orders per hour")],
            Answers = [new(200, "The overview", "Overview"), new(400, "A bad seller or hours")],
        },
        ["GET /api/admin/poison"] = new("ListPoison", "Operations", "The oldest poison messages with their reason")
        {
            Answers = [new(200, "The messages", "PoisonList")],
        },
        ["POST /api/admin/poison/{messageId}/requeue"] = new("RequeuePoison", "Operations", "Put a poison message back on meli-notifications")
        {
            Description = "Sent before it is deleted: a crash can duplicate it, never lose it.",
            Answers = [new(200, "Requeued", "PoisonRequeued"), new(400, "Not a message id"), new(404, "No such poison message")],
        },
        ["GET /api/fraud-cases"] = new("ListFraudCases", "Fraud", "A seller's fraud cases, newest first (at most 100)")
        {
            Query = [SellerQuery with { Required = true }],
            Answers = [new(200, "The cases", "FraudCaseList"), new(400, "invalid_seller")],
        },
        ["GET /api/fraud-cases/{orderId}"] = new("GetFraudCase", "Fraud", "An order's fraud case")
        {
            Answers = [new(200, "The case", "FraudCase"), new(400, "invalid_order_id"), new(404, "The order never had one")],
        },
        ["GET /api/stock/{sellerId}/{itemId}"] = new("GetStock", "Stock", "The seller's own stock for a listing")
        {
            Answers = [new(200, "The ledger's figures", "Stock"), new(400, "invalid_seller_id or invalid_item_id"), new(404, "No ledger row")],
        },
        ["PUT /api/stock/{sellerId}/{itemId}"] = new("PutStock", "Stock", "Set the listing's stock")
        {
            Body = new("StockPut", Required: true),
            Answers = [new(200, "The ledger's figures", "Stock"), new(400, "invalid_json, invalid_body, invalid_quantity or negative_stock"), new(413, "body_too_large")],
        },
        ["POST /api/stock/{sellerId}/{itemId}/adjustments"] = new("AdjustStock", "Stock", "Change the listing's stock by a delta, once per key")
        {
            Body = new("StockAdjustment", Required: true),
            IdempotencyKey = true,
            Answers =
            [
                new(200, "Applied (or replayed)", "Stock"),
                new(400, "invalid_json, invalid_body, invalid_delta, invalid_idempotency_key, idempotency_key_mismatch (header and body differ) or negative_stock"),
                new(413, "body_too_large"),
                new(404, "No stock is kept for the listing (or variation): set it with PUT first"), new(409, "idempotency_key_reused with another delta"),
            ],
        },
        ["POST /api/admin/reconcile"] = new("ReconcileNow", "Stock", "Run the stock reconcile now")
        {
            Query = [SellerQuery, new("dry_run", "true: report, push nothing")],
            Answers = [new(200, "The reports", "ReconcileRun"), new(400, "invalid_seller_id or invalid_dry_run"), new(404, "The seller is not connected")],
        },
        ["GET /api/admin/reconcile/last"] = new("LastReconcile", "Stock", "The latest reconcile report of a seller")
        {
            Query = [SellerQuery with { Required = true }],
            Answers = [new(200, "The report", "ReconcileReport"), new(400, "invalid_seller_id"), new(404, "No report yet")],
        },
        ["POST /api/admin/sweep"] = new("SweepNow", "Sweeps", "Run the pending and missed-order sweep")
        {
            Query = [SellerQuery, new("wait", "true: answer with the report when it ends")],
            Answers =
            [
                new(200, "wait=true: the report", "SweepReport"), new(202, "Started; Location is the status_url", "SweepStarted"), new(400, "invalid_seller_id"),
                new(404, "The seller never connected"), new(409, "seller_disconnected: it must connect again"),
            ],
        },
        ["GET /api/admin/sweep/{runId}"] = new("GetSweep", "Sweeps", "A sweep run's report")
        {
            Answers = [new(200, "The report", "SweepReport"), new(404, "No such run")],
        },
        ["POST /api/admin/backfill/{sellerId}"] = new("StartBackfill", "Sweeps", "Start or resume a seller's backfill")
        {
            Query = [new("wait", "true: answer with the progress when it ends")],
            Answers =
            [
                new(200, "wait=true: the progress", "BackfillProgress"), new(202, "Started; Location is the status_url", "SweepStarted"), new(400, "invalid_seller_id"),
                new(404, "The seller never connected"), new(409, "seller_disconnected: it must connect again"),
            ],
        },
        ["GET /api/admin/backfill/{sellerId}"] = new("GetBackfill", "Sweeps", "A seller's backfill progress")
        {
            Answers = [new(200, "The progress", "BackfillProgress"), new(400, "invalid_seller_id"), new(404, "No backfill")],
        },
        ["PUT /api/orders/{orderId}/shipment/tracking"] = SellerAction("SetTrackingNumber", "Set the shipment's tracking number (MeLi PUT /shipments/{id})", "TrackingNumber", 200),
        ["POST /api/orders/{orderId}/feedback"] = SellerAction("GiveFeedback", "Give the buyer feedback (MeLi POST /orders/{id}/feedback)", "Feedback", 201),
        ["POST /api/orders/{orderId}/notes"] = SellerAction("AddOrderNote", "Add an order note", "Note", 201),
        ["GET /api/orders/{orderId}/notes"] = SellerRead("ListOrderNotes", "The order's notes"),
        ["PUT /api/orders/{orderId}/notes/{noteId}"] = SellerAction("EditOrderNote", "Edit an order note", "Note", 200),
        ["DELETE /api/orders/{orderId}/notes/{noteId}"] = SellerAction("DeleteOrderNote", "Delete an order note", null, 200),
        ["POST /api/sellers/{sellerId}/blocked-buyers"] = SellerAction("BlockBuyer", "Block a buyer (the seller's order blacklist)", "BlockedBuyer", 201),
        ["GET /api/sellers/{sellerId}/blocked-buyers"] = SellerRead("ListBlockedBuyers", "The seller's blocked buyers"),
        ["DELETE /api/sellers/{sellerId}/blocked-buyers/{buyerId}"] = SellerAction("UnblockBuyer", "Unblock a buyer", null, 200),
        ["GET /api/openapi/v1.json"] = new("OpenApiDocument", "Documentation", "This OpenAPI document")
        {
            Description = "The same document in both hosts; the Server also serves it at /openapi/v1.json.",
            Answers = [new(200, "The document", "OpenApiDocument")],
        },
    };

    /// <summary>Path parameters, by name.</summary>
    public static IReadOnlyDictionary<string, string> PathParameters { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["orderId"] = "The Mercado Libre order id, digits",
        ["sellerId"] = "The Mercado Libre seller (user) id, digits",
        ["itemId"] = "The Mercado Libre item id, like MLA1234567890",
        ["noteId"] = "The note id MeLi gave",
        ["buyerId"] = "The buyer's Mercado Libre user id, digits",
        ["messageId"] = "The poison message id",
        ["runId"] = "The run id POST /api/admin/sweep answered",
    };

    private static ApiOperation SellerAction(string operationId, string summary, string? body, int success) => new(operationId, "Seller actions", summary)
    {
        Description = "Applied once per Idempotency-Key: a retry with the same key makes the MeLi call once and gets the first answer back (Idempotent-Replayed: true). " +
            "MeLi's 4xx keep their status and code; 5xx is 502, a timeout 504.",
        IdempotencyKey = true,
        Body = body is null ? null : new(body, Required: true),
        Answers =
        [
            new(success, "Mercado Libre's answer", "MeliAnswer"),
            new(400, "A bad id, body or Idempotency-Key (before any MeLi call)"),
            new(404, "Unknown order, or the seller is not connected"),
            new(409, "request_in_progress, the key was used for another request, or (tracking) no_shipment"),
            new(429, "Mercado Libre is limiting this seller's calls"),
            new(502, "Mercado Libre failed or could not be reached"),
            new(504, "Mercado Libre did not answer in time: retry with the same key"),
        ],
    };

    private static ApiOperation SellerRead(string operationId, string summary) => new(operationId, "Seller actions", summary)
    {
        Answers =
        [
            new(200, "Mercado Libre's answer", "MeliAnswer"),
            new(400, "A bad id"),
            new(404, "Unknown order, or the seller is not connected"),
            new(502, "Mercado Libre failed or could not be reached"),
            new(504, "Mercado Libre did not answer in time"),
        ],
    };
}

internal sealed record ApiOperation(string OperationId, string Tag, string Summary)
{
    public string? Description { get; init; }

    public IReadOnlyList<ApiParameter> Query { get; init; } = [];

    /// <summary>Takes the <c>Idempotency-Key</c> header.</summary>
    public bool IdempotencyKey { get; init; }

    public ApiBody? Body { get; init; }

    public IReadOnlyList<ApiAnswer> Answers { get; init; } = [];
}

internal sealed record ApiParameter(string Name, string Description, bool Required = false);

internal sealed record ApiBody(string Schema, bool Required);

/// <summary>An answer; <paramref name="Schema"/> names a component schema, null for no body.</summary>
internal sealed record ApiAnswer(int Status, string Description, string? Schema = ApiSchemas.Error);
