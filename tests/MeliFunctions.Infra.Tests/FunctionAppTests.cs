using System.Text.Json;
using System.Text.RegularExpressions;
using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

public class FunctionAppTests
{
    private static ArmModule FunctionApp => Compiled.Main.Module("functionapp");

    private static JsonElement Site => FunctionApp.SingleResource("Microsoft.Web/sites");

    [Fact]
    public void Plan_is_Flex_Consumption_FC1_on_Linux()
    {
        var plan = FunctionApp.SingleResource("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.True(plan.GetProperty("properties").GetProperty("reserved").GetBoolean());
        Assert.Equal(
            "resourceId('Microsoft.Web/serverfarms', parameters('planName'))",
            ArmTemplate.Body(Site.GetProperty("properties").GetProperty("serverFarmId").GetString()!));
    }

    [Fact]
    public void Site_is_HTTPS_only_with_TLS_1_2_and_no_FTP()
    {
        var properties = Site.GetProperty("properties");
        var siteConfig = properties.GetProperty("siteConfig");

        Assert.True(properties.GetProperty("httpsOnly").GetBoolean());
        Assert.Equal("1.2", siteConfig.GetProperty("minTlsVersion").GetString());
        Assert.Equal("1.2", siteConfig.GetProperty("scmMinTlsVersion").GetString());
        Assert.Equal("Disabled", siteConfig.GetProperty("ftpsState").GetString());
    }

    [Fact]
    public void Site_runs_dotnet_isolated_10_on_Flex()
    {
        var site = Site;
        Assert.Equal("functionapp,linux", site.GetProperty("kind").GetString());
        Assert.True(
            string.CompareOrdinal(site.GetProperty("apiVersion").GetString(), "2023-12-01") >= 0,
            "functionAppConfig needs Microsoft.Web/sites 2023-12-01 or newer.");

        var runtime = site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("runtime");
        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.String, runtime.GetProperty("version").ValueKind);
        Assert.Equal("10.0", runtime.GetProperty("version").GetString());
    }

    [Fact]
    public void Scale_is_bounded_with_2048_MB_instances_by_default()
    {
        var scale = Site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("scaleAndConcurrency");
        Assert.Equal("[parameters('maximumInstanceCount')]", scale.GetProperty("maximumInstanceCount").GetString());
        Assert.Equal("[parameters('instanceMemoryMB')]", scale.GetProperty("instanceMemoryMB").GetString());

        var main = Compiled.Main.Parameters;
        var maxInstances = main.GetProperty("maximumInstanceCount");
        Assert.Equal(1, maxInstances.GetProperty("minValue").GetInt32());
        Assert.Equal(1000, maxInstances.GetProperty("maxValue").GetInt32());
        Assert.InRange(maxInstances.GetProperty("defaultValue").GetInt32(), 1, 1000);

        var memory = main.GetProperty("instanceMemoryMB");
        Assert.Equal(2048, memory.GetProperty("defaultValue").GetInt32());
        Assert.All(memory.GetProperty("allowedValues").EnumerateArray(), v => Assert.Contains(v.GetInt32(), new[] { 512, 2048, 4096 }));

        var functionApp = FunctionApp;
        Assert.Equal("parameters('maximumInstanceCount')", functionApp.Resolve("[parameters('maximumInstanceCount')]"));
        Assert.Equal("parameters('instanceMemoryMB')", functionApp.Resolve("[parameters('instanceMemoryMB')]"));
    }

    [Fact]
    public void Site_deploys_from_the_blob_container_with_its_user_assigned_identity()
    {
        var storage = Site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage");

        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        Assert.Equal("[parameters('deploymentContainerUrl')]", storage.GetProperty("value").GetString());
        var authentication = storage.GetProperty("authentication");
        Assert.Equal("UserAssignedIdentity", authentication.GetProperty("type").GetString());
        Assert.Equal(Identity.ResourceIdExpression, FunctionApp.Resolve(authentication.GetProperty("userAssignedIdentityResourceId").GetString()!));
    }

    [Fact]
    public void Site_runs_as_the_user_assigned_identity_and_resolves_Key_Vault_references_with_it()
    {
        var site = Site;
        Assert.Equal("UserAssigned", site.GetProperty("identity").GetProperty("type").GetString());
        Assert.Single(Compiled.Main.Resources("Microsoft.ManagedIdentity/userAssignedIdentities"));
        Assert.Equal(
            Identity.ResourceIdExpression,
            FunctionApp.Resolve(site.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString()!));
    }

    [Fact]
    public void Site_carries_the_azd_service_tag_of_the_app_service_in_azure_yaml()
    {
        var tags = Site.GetProperty("tags").GetString()!;
        Assert.Contains("createObject('azd-service-name', 'app')", tags, StringComparison.Ordinal);

        var azureYaml = Repo.ReadText("azure.yaml").ReplaceLineEndings("\n");
        var service = Regex.Match(azureYaml, @"^services:\n  app:\n((?:    .*\n)+)", RegexOptions.Multiline);
        Assert.True(service.Success, "azure.yaml has no service 'app'.");
        var body = service.Groups[1].Value;
        var project = Regex.Match(body, @"^    project: (\S+)$", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal("./src/MeliFunctions.App", project);
        Assert.True(File.Exists(Repo.PathOf("src", "MeliFunctions.App", "MeliFunctions.App.csproj")));
        Assert.Matches(@"(?m)^    language: dotnet$", body);
        Assert.Matches(@"(?m)^    host: function$", body);
        Assert.Matches(@"(?m)^  provider: bicep$", azureYaml);
        Assert.Matches(@"(?m)^  path: infra$", azureYaml);
    }
}
