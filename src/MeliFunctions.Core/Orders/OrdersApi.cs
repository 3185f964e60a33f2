using MeliFunctions.Hosting;

namespace MeliFunctions.Orders;

/// <summary>The read side of the Orders table for operators and other systems.</summary>
public sealed class OrdersApi(OrderStore store, OrderSearch search, IEnumerable<IOrderApiSection> sections)
{
    /// <summary><c>GET /api/orders?seller=...</c>: MeLi's order search over the stored orders (see <see cref="OrderSearch"/>).</summary>
    public Task<ApiResponse> SearchAsync(IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken) =>
        search.SearchAsync(query, cancellationToken);

    /// <summary><c>GET /api/orders/{orderId}</c>: MeLi's order at the root, our sync metadata under <c>_sync</c>.</summary>
    public async Task<ApiResponse> GetAsync(string orderId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(orderId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return ApiResponse.Error(400, "invalid_order_id", $"'{orderId}' is not an order id: Mercado Libre order ids are numbers.");
        }

        var order = await store.FindAsync(id, cancellationToken);
        if (order is null)
        {
            return ApiResponse.NotFound($"Order {id} is not in the store. It appears after Mercado Libre notifies it, or after the next sweep.");
        }

        var pack = order.PackId is { } packId ? await store.ListPackAsync(order.SellerId, packId, cancellationToken) : null;
        var json = order.ToApiJson(pack);
        foreach (var section in sections)
        {
            json["_sync"]![section.Name] = await section.ReadAsync(order, cancellationToken);
        }

        return ApiResponse.Json(200, json);
    }
}
