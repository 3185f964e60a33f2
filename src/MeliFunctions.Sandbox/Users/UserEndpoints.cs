namespace MeliFunctions.Sandbox.Users;

internal static class UserEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
    }
}
