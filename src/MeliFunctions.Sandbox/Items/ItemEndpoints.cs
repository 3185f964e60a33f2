namespace MeliFunctions.Sandbox.Items;

internal static class ItemEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
    }
}
