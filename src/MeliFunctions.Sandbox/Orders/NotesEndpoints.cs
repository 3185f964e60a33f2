namespace MeliFunctions.Sandbox.Orders;

internal static class NotesEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
    }
}
