using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

public class OutputsTests
{
    private static string Output(string name) =>
        ArmTemplate.Body(Compiled.Main.Outputs.GetProperty(name).GetProperty("value").GetString()!);

    private static string AppUrl => Output("FUNCTION_APP_URL");

    [Fact]
    public void App_URL_is_HTTPS_on_the_app_default_host_name()
    {
        Assert.Matches(
            @"^format\('https://\{0\}', reference\(resourceId\('Microsoft\.Resources/deployments', 'functionapp'\), '[0-9-]+'\)\.outputs\.defaultHostName\.value\)$",
            AppUrl);
    }

    [Theory]
    [InlineData("MELI_WEBHOOK_URL", "/api/notifications")]
    [InlineData("MELI_OAUTH_START_URL", "/api/oauth/start")]
    [InlineData("MELI_REDIRECT_URI", "/api/oauth/callback")]
    public void Outputs_give_the_routes_Mercado_Libre_and_sellers_need(string output, string route)
    {
        Assert.Equal($"format('{{0}}{route}', {AppUrl})", Output(output));
    }

    [Fact]
    public void Redirect_URI_output_is_the_value_the_app_is_configured_with()
    {
        var setting = BicepAppSettings.Product.GetProperty("Meli__RedirectUri").GetString()!;
        Assert.Equal(Output("MELI_REDIRECT_URI"), ArmTemplate.Body(setting));
    }

    [Fact]
    public void Outputs_name_the_app_and_the_Key_Vault()
    {
        Assert.Matches(@"^reference\(resourceId\('Microsoft\.Resources/deployments', 'functionapp'\), '[0-9-]+'\)\.outputs\.name\.value$", Output("FUNCTION_APP_NAME"));
        Assert.Matches(@"^reference\(resourceId\('Microsoft\.Resources/deployments', 'keyvault'\), '[0-9-]+'\)\.outputs\.name\.value$", Output("KEY_VAULT_NAME"));
        Assert.Equal("[parameters('name')]", Compiled.Main.Module("keyvault").SingleResource("Microsoft.KeyVault/vaults").GetProperty("name").GetString());
        Assert.Equal("[format('kv-{0}', variables('resourceToken'))]", Compiled.Main.Module("keyvault").Passed("name").GetString());
    }
}
