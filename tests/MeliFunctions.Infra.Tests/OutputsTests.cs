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
            $@"^format\('https://\{{0\}}', {Compiled.Main.ModuleOutputPattern("functionapp", "defaultHostName")}\)$",
            AppUrl);
    }

    [Theory]
    [InlineData("MELI_OAUTH_START_URL", "/api/oauth/start")]
    [InlineData("MELI_REDIRECT_URI", "/api/oauth/callback")]
    public void Outputs_give_the_routes_Mercado_Libre_and_sellers_need(string output, string route)
    {
        Assert.Equal($"format('{{0}}{route}', {AppUrl})", Output(output));
    }

    [Fact]
    public void Webhook_URL_output_is_the_full_callback_URL_with_the_stored_secret_as_a_secure_output()
    {
        var output = Compiled.Main.Outputs.GetProperty("MELI_WEBHOOK_URL");
        // Secure: deployment history does not keep it (the URL carries the secret).
        Assert.Equal("securestring", output.GetProperty("type").GetString(), ignoreCase: true);
        Assert.Matches(@"^listOutputsWithSecureValues\('webhookUrl', '[0-9-]+'\)\.url$", Output("MELI_WEBHOOK_URL"));

        var module = Compiled.Main.Module("webhookurl");
        var url = module.Outputs.GetProperty("url");
        Assert.Equal("securestring", url.GetProperty("type").GetString(), ignoreCase: true);
        Assert.Equal("[format('{0}/api/notifications?secret={1}', parameters('appBaseUrl'), parameters('callbackSecret'))]", url.GetProperty("value").GetString());
        Assert.Equal($"[{AppUrl}]", module.Passed("appBaseUrl").GetString());

        // The secret comes from the vault when the step runs: the one in use, not a redeployment's fresh seed.
        var reference = module.PassedParameters.GetProperty("callbackSecret").GetProperty("reference");
        Assert.Equal("[variables('callbackSecretName')]", reference.GetProperty("secretName").GetString());
        Assert.Equal("notifications-callback-secret", Compiled.Main.StringVariable("callbackSecretName"));
        Assert.Equal("[resourceId('Microsoft.KeyVault/vaults', format('kv-{0}', variables('resourceToken')))]", reference.GetProperty("keyVault").GetProperty("id").GetString());
        Assert.Equal("securestring", module.Parameters.GetProperty("callbackSecret").GetProperty("type").GetString(), ignoreCase: true);
        Assert.True(Compiled.Main.Module("keyvault").SingleResource("Microsoft.KeyVault/vaults").GetProperty("properties").GetProperty("enabledForTemplateDeployment").GetBoolean());
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
        Assert.Matches($"^{Compiled.Main.ModuleOutputPattern("functionapp", "name")}$", Output("FUNCTION_APP_NAME"));
        Assert.Matches($"^{Compiled.Main.ModuleOutputPattern("keyvault", "name")}$", Output("KEY_VAULT_NAME"));
        Assert.Equal("[parameters('name')]", Compiled.Main.Module("keyvault").SingleResource("Microsoft.KeyVault/vaults").GetProperty("name").GetString());
        Assert.Equal("[format('kv-{0}', variables('resourceToken'))]", Compiled.Main.Module("keyvault").Passed("name").GetString());
    }
}
