using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

public class AppSettingsTests
{
    private static readonly string[] ExpectedPlatformSettings =
    [
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED",
    ];

    private static readonly string[] ExpectedProductSettings =
    [
        "TASKHUB_NAME",
        "Meli__ApiBaseUrl",
        "Meli__AuthBaseUrl",
        "Meli__AppId",
        "Meli__ClientSecret",
        "Meli__RedirectUri",
        "Notifications__CallbackSecret",
        "Notifications__PreviousCallbackSecret",
        "Tokens__Keys",
        "OAuth__OpenEnrolment",
        "StockReconcileSchedule",
        "PendingSweepSchedule",
        "Fraud__MeliCancelWait",
        "Fraud__CancelConfirmWait",
        "Fraud__CancelReason",
        "Fraud__BlacklistBuyer",
        "SellerActions__AutoFeedbackOnDelivered",
        "Meli__BudgetInstances",
    ];

    private static string Platform(string name) => BicepAppSettings.Platform.GetProperty(name).GetString()!;

    private static string Product(string name) => BicepAppSettings.Product.GetProperty(name).GetString()!;

    private static string ParameterDefault(string name) =>
        Compiled.Main.Parameters.GetProperty(name).GetProperty("defaultValue").GetString()!;

    [Fact]
    public void App_settings_are_exactly_the_platform_and_the_product_settings()
    {
        var appSettings = BicepAppSettings.Module;
        var config = appSettings.SingleResource("Microsoft.Web/sites/config");
        Assert.Equal("[format('{0}/{1}', parameters('appName'), 'appsettings')]", config.GetProperty("name").GetString());
        Assert.Equal("[union(parameters('platformSettings'), parameters('productSettings'))]", config.GetProperty("properties").GetString());
        Assert.Equal("variables('appName')", appSettings.Resolve("[parameters('appName')]"));
        Assert.Equal("[variables('appName')]", Compiled.Main.Module("functionapp").Passed("appName").GetString());

        var platform = BicepAppSettings.PlatformNames;
        var product = BicepAppSettings.ProductNames;
        Assert.Equal(ExpectedPlatformSettings.Order(StringComparer.Ordinal), platform.Order(StringComparer.Ordinal));
        Assert.Equal(ExpectedProductSettings.Order(StringComparer.Ordinal), product.Order(StringComparer.Ordinal));
        Assert.Empty(platform.Intersect(product));

        // Flex Consumption sets the runtime in functionAppConfig and refuses these as settings.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", platform.Concat(product));
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", platform.Concat(product));
        Assert.DoesNotContain("AzureWebJobsStorage", platform.Concat(product));
    }

    [Fact]
    public void Host_storage_is_identity_based_with_the_app_identity()
    {
        Assert.Equal("managedidentity", Platform("AzureWebJobsStorage__credential"));
        Assert.True(Identity.IsClientIdOfAppIdentity(ArmTemplate.Body(Platform("AzureWebJobsStorage__clientId"))));

        var storage = Compiled.Main.Module("storage");
        foreach (var (setting, output) in new[]
                 {
                     ("AzureWebJobsStorage__blobServiceUri", "blobEndpoint"),
                     ("AzureWebJobsStorage__queueServiceUri", "queueEndpoint"),
                     ("AzureWebJobsStorage__tableServiceUri", "tableEndpoint"),
                 })
        {
            Assert.Matches($@"^\[{Compiled.Main.ModuleOutputPattern("storage", output)}\]$", Platform(setting));
            var endpoint = output.Replace("Endpoint", string.Empty, StringComparison.Ordinal);
            Assert.Matches(
                $@"^\[reference\(resourceId\('Microsoft\.Storage/storageAccounts', parameters\('name'\)\), '[0-9-]+'\)\.primaryEndpoints\.{endpoint}\]$",
                storage.Outputs.GetProperty(output).GetProperty("value").GetString());
        }
    }

    [Fact]
    public void Client_secret_setting_is_a_Key_Vault_reference_to_the_vault_secret()
    {
        Assert.Matches(
            $@"^\[format\('@Microsoft\.KeyVault\(SecretUri=\{{0\}}/\)', {Compiled.Main.ModuleOutputPattern("keyvault", "clientSecretUri")}\)\]$",
            Product("Meli__ClientSecret"));

        var keyVault = Compiled.Main.Module("keyvault");
        var (symbol, secret) = Assert.Single(keyVault.SymbolicResources(), r => r.Resource.GetProperty("name").GetString()!.Contains("meliClientSecretName", StringComparison.Ordinal));
        Assert.Equal("format('{0}/{1}', format('kv-{0}', variables('resourceToken')), 'meli-client-secret')", keyVault.Resolve(secret.GetProperty("name").GetString()!));

        // The versionless URI of that secret: a new version is picked up on rotation.
        var uri = keyVault.Outputs.GetProperty("clientSecretUri").GetProperty("value").GetString()!;
        Assert.Equal($"[reference('{symbol}').secretUri]", uri);
    }

    [Theory]
    [InlineData("Notifications__CallbackSecret", "callbackSecretUri")]
    [InlineData("Notifications__PreviousCallbackSecret", "previousCallbackSecretUri")]
    [InlineData("Tokens__Keys", "tokenKeysUri")]
    public void Webhook_secrets_and_token_keys_are_versionless_Key_Vault_references(string setting, string output)
    {
        Assert.Matches(
            $@"^\[format\('@Microsoft\.KeyVault\(SecretUri=\{{0\}}/\)', {Compiled.Main.ModuleOutputPattern("keyvault", output)}\)\]$",
            Product(setting));
        var uri = Compiled.Main.Module("keyvault").Outputs.GetProperty(output).GetProperty("value").GetString()!;
        Assert.Matches(@"^\[reference\('[A-Za-z]+'\)\.secretUri\]$", uri);
    }

    [Fact]
    public void Enrolment_is_closed_by_default()
    {
        Assert.Equal("[string(parameters('openEnrolment'))]", Product("OAuth__OpenEnrolment"));
        Assert.False(Compiled.Main.Parameters.GetProperty("openEnrolment").GetProperty("defaultValue").GetBoolean());
    }

    [Fact]
    public void Application_Insights_is_reached_with_Entra_ID_as_the_app_identity()
    {
        Assert.Matches($@"^\[{Compiled.Main.ModuleOutputPattern("monitoring", "connectionString")}\]$", Platform("APPLICATIONINSIGHTS_CONNECTION_STRING"));

        var authentication = ArmTemplate.Body(Platform("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"));
        const string Prefix = "format('ClientId={0};Authorization=AAD', ";
        Assert.StartsWith(Prefix, authentication, StringComparison.Ordinal);
        Assert.True(Identity.IsClientIdOfAppIdentity(authentication[Prefix.Length..^1]));

        var monitoring = Compiled.Main.Module("monitoring");
        var component = monitoring.SingleResource("Microsoft.Insights/components").GetProperty("properties");
        Assert.True(component.GetProperty("DisableLocalAuth").GetBoolean());
        Assert.Equal("[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]", component.GetProperty("WorkspaceResourceId").GetString());

        var publisher = Assert.Single(monitoring.Resources("Microsoft.Authorization/roleAssignments")).GetProperty("properties");
        Assert.Contains("'3913510d-42f4-4e42-8a64-420c390055eb'", monitoring.Resolve(publisher.GetProperty("roleDefinitionId").GetString()!), StringComparison.Ordinal);
        Assert.True(Identity.IsPrincipalIdOfAppIdentity(monitoring.Resolve(publisher.GetProperty("principalId").GetString()!)));
    }

    [Fact]
    public void Dotnet_10_placeholder_workaround_is_on()
    {
        Assert.Equal("0", Platform("WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED"));
        var main = Repo.ReadText("infra", "main.bicep");
        Assert.Matches(@"//[^\n]*3335[^\n]*\n\s*WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED: '0'", main);
    }

    [Fact]
    public void Product_settings_come_from_parameters_with_the_documented_defaults()
    {
        Assert.Equal("[parameters('taskHubName')]", Product("TASKHUB_NAME"));
        Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,44}$", ParameterDefault("taskHubName"));
        Assert.Equal("[parameters('meliApiBaseUrl')]", Product("Meli__ApiBaseUrl"));
        Assert.Equal("https://api.mercadolibre.com", ParameterDefault("meliApiBaseUrl"));
        Assert.Equal("[parameters('meliAuthBaseUrl')]", Product("Meli__AuthBaseUrl"));
        Assert.Equal("https://auth.mercadolibre.com.ar", ParameterDefault("meliAuthBaseUrl"));
        Assert.Equal("[parameters('meliAppId')]", Product("Meli__AppId"));
        Assert.False(Compiled.Main.Parameters.GetProperty("meliAppId").TryGetProperty("defaultValue", out _), "Meli__AppId is required.");
        Assert.Equal("[parameters('stockReconcileSchedule')]", Product("StockReconcileSchedule"));
        Assert.Equal("0 */15 * * * *", ParameterDefault("stockReconcileSchedule"));
        Assert.Equal("[parameters('pendingSweepSchedule')]", Product("PendingSweepSchedule"));
        Assert.Equal("0 */10 * * * *", ParameterDefault("pendingSweepSchedule"));
        Assert.Equal("[parameters('fraudMeliCancelWait')]", Product("Fraud__MeliCancelWait"));
        Assert.Equal("00:30:00", ParameterDefault("fraudMeliCancelWait"));
        Assert.Equal("[parameters('fraudCancelConfirmWait')]", Product("Fraud__CancelConfirmWait"));
        Assert.Equal("06:00:00", ParameterDefault("fraudCancelConfirmWait"));
        Assert.All(
            new[] { "stockReconcileSchedule", "pendingSweepSchedule" },
            p => Assert.Equal(6, ParameterDefault(p).Split(' ').Length));
        Assert.All(
            new[] { "fraudMeliCancelWait", "fraudCancelConfirmWait" },
            p => Assert.True(TimeSpan.TryParse(ParameterDefault(p), System.Globalization.CultureInfo.InvariantCulture, out var wait) && wait > TimeSpan.Zero));
    }

    [Fact]
    public void Each_instance_takes_its_share_of_the_request_budget_from_the_same_instance_cap_the_plan_has()
    {
        Assert.Equal("[string(parameters('maximumInstanceCount'))]", Product("Meli__BudgetInstances"));
        Assert.Equal("[parameters('maximumInstanceCount')]", Compiled.Main.Module("functionapp").Passed("maximumInstanceCount").GetString());
    }

    [Fact]
    public void Redirect_URI_is_the_app_host_callback_over_HTTPS()
    {
        Assert.Matches(
            $@"^\[format\('\{{0\}}/api/oauth/callback', format\('https://\{{0\}}', {Compiled.Main.ModuleOutputPattern("functionapp", "defaultHostName")}\)\)\]$",
            Product("Meli__RedirectUri"));
        Assert.Equal(
            "[reference(resourceId('Microsoft.Web/sites', parameters('appName')), '" + Compiled.Main.Module("functionapp").SingleResource("Microsoft.Web/sites").GetProperty("apiVersion").GetString() + "').defaultHostName]",
            Compiled.Main.Module("functionapp").Outputs.GetProperty("defaultHostName").GetProperty("value").GetString());
    }
}
