namespace MeliFunctions.Sandbox.Orders;

internal static class OrderSearchEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
    }
}
