namespace MeliFunctions.Sandbox.Orders;

internal static class FeedbackEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
    }
}
