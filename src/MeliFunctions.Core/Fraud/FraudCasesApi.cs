using MeliFunctions.Hosting;

namespace MeliFunctions.Fraud;

/// <summary><c>GET /api/fraud-cases/{orderId}</c>: the case, its state and every step with its time.</summary>
public sealed class FraudCasesApi(FraudCaseStore cases)
{
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
