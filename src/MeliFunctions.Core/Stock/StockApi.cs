using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre.OAuth;

namespace MeliFunctions.Stock;

/// <summary>
/// The stock routes, host-neutral: <c>GET/PUT /api/stock/{sellerId}/{itemId}</c>,
/// <c>POST /api/stock/{sellerId}/{itemId}/adjustments</c>, <c>POST /api/admin/reconcile</c> and
/// <c>GET /api/admin/reconcile/last</c>.
/// </summary>
public sealed class StockApi(
    StockLedger ledger,
    StockEffectStore effects,
    OrderStockEffects orderEffects,
    StockReconciler reconciler,
    ReconcileReportStore reports,
    SellerAccounts sellers)
{
    private const int MaxBodyBytes = 64 * 1024;

    public async Task<ApiResponse> GetAsync(string sellerId, string itemId, CancellationToken cancellationToken)
    {
        if (Invalid(sellerId, itemId) is { } bad)
        {
            return bad;
        }

        var rows = await ledger.GetItemAsync(sellerId, itemId, cancellationToken);
        return rows.Count == 0
            ? ApiResponse.NotFound($"No stock is kept for listing {itemId} of seller {sellerId}: set it with PUT first.")
            : ApiResponse.Json(200, ToJson(sellerId, itemId, rows));
    }

    /// <summary><c>{"available_quantity": n}</c>, or per variation <c>{"variations": [{"id", "available_quantity"}]}</c>. Never negative.</summary>
    public async Task<ApiResponse> PutAsync(string sellerId, string itemId, Stream body, CancellationToken cancellationToken)
    {
        if (Invalid(sellerId, itemId) is { } bad)
        {
            return bad;
        }

        var (json, error) = await JsonBody.ReadObjectAsync(body, MaxBodyBytes, cancellationToken);
        if (json is null)
        {
            return JsonBody.Refusal(error!, MaxBodyBytes, "{\"available_quantity\": n} or {\"variations\": [{\"id\": 123, \"available_quantity\": n}]}");
        }

        var sets = new List<(long? VariationId, int Quantity)>();
        if (json["variations"] is JsonArray variations && variations.Count > 0)
        {
            foreach (var v in variations)
            {
                if (v?["id"] is not JsonValue id || !id.TryGetValue<long>(out var variationId))
                {
                    return ApiResponse.Error(400, "invalid_variation_id", "Each variation needs its numeric \"id\".");
                }

                if (Quantity(v["available_quantity"]) is not { } q)
                {
                    return ApiResponse.Error(400, "invalid_quantity", $"available_quantity of variation {variationId} must be a whole number.");
                }

                sets.Add((variationId, q));
            }
        }
        else if (json.ContainsKey("available_quantity"))
        {
            if (Quantity(json["available_quantity"]) is not { } q)
            {
                return ApiResponse.Error(400, "invalid_quantity", "available_quantity must be a whole number.");
            }

            sets.Add((null, q));
        }
        else
        {
            return ApiResponse.Error(400, "invalid_body", "Send {\"available_quantity\": n} or {\"variations\": [{\"id\": 123, \"available_quantity\": n}]}.");
        }

        if (sets.FirstOrDefault(s => s.Quantity < 0) is { Quantity: < 0 } negative)
        {
            var what = negative.VariationId is { } vid ? $"variation {vid}" : $"listing {itemId}";
            return ApiResponse.Error(400, "negative_stock", $"Stock cannot be negative: {negative.Quantity} was given for {what}. Nothing was changed.");
        }

        foreach (var (variationId, quantity) in sets)
        {
            await ledger.SetAsync(sellerId, itemId, variationId, quantity, "set", cancellationToken);
        }

        return ApiResponse.Json(200, ToJson(sellerId, itemId, await ledger.GetItemAsync(sellerId, itemId, cancellationToken)));
    }

    /// <summary>
    /// <c>{"delta": -2, "variation_id"?: 123}</c> with an <c>Idempotency-Key</c> header: applied once per
    /// key (a retry answers the first result); refused with 400 when it would take the stock below zero.
    /// The key may still come in the body as <c>"idempotency_key"</c> (deprecated); when both are sent
    /// they must be the same key.
    /// </summary>
    public async Task<ApiResponse> AdjustAsync(string sellerId, string itemId, string? idempotencyKey, Stream body, CancellationToken cancellationToken)
    {
        if (Invalid(sellerId, itemId) is { } bad)
        {
            return bad;
        }

        var (json, error) = await JsonBody.ReadObjectAsync(body, MaxBodyBytes, cancellationToken);
        if (json is null)
        {
            return JsonBody.Refusal(error!, MaxBodyBytes, "{\"delta\": -2, \"variation_id\"?: 123}");
        }

        if (Quantity(json["delta"]) is not { } delta || delta == 0)
        {
            return ApiResponse.Error(400, "invalid_delta", "delta must be a whole number other than zero.");
        }

        var (key, refused) = IdempotencyKey(idempotencyKey, json);
        if (refused is not null)
        {
            return refused;
        }

        long? variationId = null;
        if (json["variation_id"] is JsonValue v)
        {
            if (!v.TryGetValue<long>(out var vid))
            {
                return ApiResponse.Error(400, "invalid_variation_id", "variation_id must be a number.");
            }

            variationId = vid;
        }

        var rowKey = StockLedger.Key(itemId, variationId);
        var fingerprint = $"{rowKey}|{delta.ToString(CultureInfo.InvariantCulture)}";
        var effectId = StockEffectStore.AdjustmentId(key);
        var record = await effects.GetAsync(sellerId, effectId, cancellationToken);
        var replayed = record is not null;
        if (record is null)
        {
            if ((await ledger.GetItemAsync(sellerId, itemId, cancellationToken)).All(r => r.Key != rowKey))
            {
                return ApiResponse.NotFound($"No stock is kept for {rowKey} of seller {sellerId}: set it with PUT first.");
            }

            var intent = new EffectRecord(sellerId, effectId, EffectStates.Pending, "adjustment", [new EffectLine(rowKey, delta)], [], null, fingerprint, null, default);
            var written = await effects.TryWriteAsync(null, intent, cancellationToken);
            replayed = written is null; // the same key arrived twice at once: the other one's record wins
            record = written ?? await effects.GetAsync(sellerId, effectId, cancellationToken);
        }

        if (record!.RequestFingerprint != fingerprint)
        {
            return ApiResponse.Error(409, "idempotency_key_reused", $"idempotency_key '{key}' was used for another adjustment ({record.RequestFingerprint}).");
        }

        if (record.State == EffectStates.Pending)
        {
            record = await orderEffects.FinishAsync(record, refuseNegative: true, cancellationToken);
        }

        if (record.State == EffectStates.Refused)
        {
            return ApiResponse.Error(400, "negative_stock", $"Adjustment refused, nothing was changed: {record.Reason}.");
        }

        var result = ToJson(sellerId, itemId, await ledger.GetItemAsync(sellerId, itemId, cancellationToken));
        result["adjustment"] = new JsonObject { ["idempotency_key"] = key, ["delta"] = delta, ["variation_id"] = variationId, ["replayed"] = replayed };
        return ApiResponse.Json(200, result);
    }

    /// <summary><c>POST /api/admin/reconcile[?seller=&amp;dry_run=true]</c>: runs now and answers the reports.</summary>
    public async Task<ApiResponse> ReconcileAsync(string? seller, string? dryRun, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(seller) && !RequestKeys.IsMeliId(seller))
        {
            return ApiResponse.Error(400, "invalid_seller_id", $"'{seller}' is not a seller id: Mercado Libre user ids are numbers.");
        }

        bool dry = false;
        if (!string.IsNullOrEmpty(dryRun) && !bool.TryParse(dryRun, out dry))
        {
            return ApiResponse.Error(400, "invalid_dry_run", "dry_run must be true or false.");
        }

        if (!string.IsNullOrEmpty(seller) && await sellers.GetAsync(seller, cancellationToken) is not { IsConnected: true })
        {
            return ApiResponse.NotFound($"Seller {seller} is not connected.");
        }

        var done = await reconciler.RunAsync(string.IsNullOrEmpty(seller) ? null : seller, dry, cancellationToken);
        return ApiResponse.Json(200, new JsonObject
        {
            ["dry_run"] = dry,
            ["sellers"] = done.Count,
            ["reports"] = new JsonArray(done.Select(r => (JsonNode)r.ToJson(maxEntries: 200)).ToArray()),
        });
    }

    /// <summary><c>GET /api/admin/reconcile/last?seller=</c>: the seller's latest report.</summary>
    public async Task<ApiResponse> LastReportAsync(string? seller, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(seller) || !RequestKeys.IsMeliId(seller))
        {
            return ApiResponse.Error(400, "invalid_seller_id", "Name the seller: ?seller=<Mercado Libre user id>.");
        }

        return await reports.LastAsync(seller, cancellationToken) is { } report
            ? ApiResponse.Json(200, report)
            : ApiResponse.NotFound($"No reconcile has run for seller {seller} yet.");
    }

    internal static JsonObject ToJson(string sellerId, string itemId, IReadOnlyList<LedgerRow> rows)
    {
        var item = rows.FirstOrDefault(r => r.VariationId is null);
        var variations = rows.Where(r => r.VariationId is not null).OrderBy(r => r.VariationId).ToList();
        var latest = rows.MaxBy(r => r.LastChangeAt);
        return new JsonObject
        {
            ["seller_id"] = sellerId,
            ["item_id"] = itemId,
            ["available_quantity"] = rows.Sum(r => r.Available),
            ["oversold"] = rows.Any(r => r.Oversold),
            ["oversold_units"] = rows.Sum(r => Math.Max(0, -r.Quantity)),
            ["last_change"] = LastChange(latest),
            ["variations"] = new JsonArray(variations.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.VariationId,
                ["available_quantity"] = r.Available,
                ["oversold"] = r.Oversold,
                ["oversold_units"] = Math.Max(0, -r.Quantity),
                ["last_change"] = LastChange(r),
            }).ToArray()),
            ["listing_row"] = item is not null,
        };
    }

    private static JsonObject? LastChange(LedgerRow? row) =>
        row is null ? null : new JsonObject { ["at"] = row.LastChangeAt, ["source"] = row.LastChangeSource };

    private static ApiResponse? Invalid(string sellerId, string itemId)
    {
        if (!RequestKeys.IsMeliId(sellerId))
        {
            return ApiResponse.Error(400, "invalid_seller_id", $"'{sellerId}' is not a seller id: Mercado Libre user ids are numbers.");
        }

        return StockLedger.IsItemId(itemId)
            ? null
            : ApiResponse.Error(400, "invalid_item_id", $"'{itemId}' is not a Mercado Libre item id (like MLA1234567890).");
    }

    private static int? Quantity(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<int>(out var n) ? n
        : node is JsonValue d && d.TryGetValue<double>(out var x) && x == Math.Floor(x) && x is >= int.MinValue and <= int.MaxValue ? (int)x
        : null;

    /// <summary>
    /// The adjustment's key: the <c>Idempotency-Key</c> header, or the body's deprecated
    /// <c>idempotency_key</c>; both sent and different: 400 <c>idempotency_key_mismatch</c>.
    /// </summary>
    private static (string Key, ApiResponse? Refused) IdempotencyKey(string? header, JsonObject json)
    {
        string? inBody = null;
        if (json.TryGetPropertyValue("idempotency_key", out var node) && node is not null)
        {
            if (node is not JsonValue value || !value.TryGetValue(out inBody))
            {
                return ("", ApiResponse.Error(400, "invalid_idempotency_key", "idempotency_key in the body must be a string (send the Idempotency-Key header instead: the body field is deprecated)."));
            }
        }

        if (header is not null && inBody is not null && header != inBody)
        {
            return ("", ApiResponse.Error(400, "idempotency_key_mismatch",
                $"The {RequestKeys.IdempotencyKeyHeader} header ('{header}') and the body's idempotency_key ('{inBody}') differ: send the header alone (the body field is deprecated)."));
        }

        var key = header ?? inBody;
        return RequestKeys.IsIdempotencyKey(key)
            ? (key!, null)
            : ("", ApiResponse.Error(400, "invalid_idempotency_key",
                $"Send an {RequestKeys.IdempotencyKeyHeader} header ({RequestKeys.IdempotencyKeyRule}), new for each adjustment and the same when you retry it."));
    }
}
