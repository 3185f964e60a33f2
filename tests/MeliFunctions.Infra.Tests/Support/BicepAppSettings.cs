using System.Text.Json;

namespace MeliFunctions.Infra.Tests.Support;

/// <summary>The app settings the compiled template writes: the appsettings module's two inputs.</summary>
internal static class BicepAppSettings
{
    public static ArmModule Module => Compiled.Main.Module("appsettings");

    /// <summary>main.bicep's productSettings: the product's own settings.</summary>
    public static JsonElement Product => Module.Passed("productSettings");

    /// <summary>main.bicep's platformSettings: what the host and the platform read.</summary>
    public static JsonElement Platform => Module.Passed("platformSettings");

    public static IReadOnlyList<string> ProductNames => Product.EnumerateObject().Select(p => p.Name).ToList();

    public static IReadOnlyList<string> PlatformNames => Platform.EnumerateObject().Select(p => p.Name).ToList();
}
