using MeliFunctions.Hosting;

namespace MeliFunctions.Fraud;

/// <summary><c>GET /api/fraud-cases/{orderId}</c>: the case, its state and every step with its time; <c>GET /api/fraud-cases?seller=</c>: a seller's cases.</summary>
public sealed class FraudCasesApi(FraudCaseStore cases)
{
    public const int MaxListed = 100;

    public async Task<ApiResponse> ListAsync(string? sellerId, CancellationToken cancellationToken)
    {
        if (!Hosting.RequestKeys.IsMeliId(sellerId))
        {
            return ApiResponse.Error(400, "invalid_seller", "'seller' is required: the Mercado Libre seller id (a number).");
        }

        var list = await cases.ListAsync(sellerId, MaxListed, cancellationToken);
        var results = new System.Text.Json.Nodes.JsonArray(list.Select(c => (System.Text.Json.Nodes.JsonNode)c.ToApiJson()).ToArray());
        return ApiResponse.Json(200, new System.Text.Json.Nodes.JsonObject
        {
            ["seller_id"] = sellerId,
            ["results"] = results,
            ["paging"] = new System.Text.Json.Nodes.JsonObject { ["total"] = list.Count, ["limit"] = MaxListed },
        });
    }

    public async Task<ApiResponse> GetAsync(string orderId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(orderId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return ApiResponse.Error(400, "invalid_order_id", $"'{orderId}' is not an order id: Mercado Libre order ids are numbers.");
        }

        var c = await cases.FindAsync(id, cancellationToken);
        return c is null
            ? ApiResponse.NotFound($"Order {id} has no fraud case: a case opens when Mercado Libre tags an order fraud_risk_detected.")
            : ApiResponse.Json(200, c.ToApiJson());
    }
}
