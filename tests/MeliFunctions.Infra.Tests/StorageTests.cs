using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

public class StorageTests
{
    private static ArmModule Storage => Compiled.Main.Module("storage");

    [Fact]
    public void Storage_account_refuses_shared_keys_old_TLS_public_blobs_and_plain_HTTP()
    {
        var account = Storage.SingleResource("Microsoft.Storage/storageAccounts").GetProperty("properties");

        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.Equal("TLS1_2", account.GetProperty("minimumTlsVersion").GetString());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.True(account.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
    }

    [Fact]
    public void Deployment_container_is_private_and_is_the_one_the_app_deploys_from()
    {
        var container = Storage.SingleResource("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("None", container.GetProperty("properties").GetProperty("publicAccess").GetString());
        Assert.EndsWith("parameters('deploymentContainerName'))]", container.GetProperty("name").GetString(), StringComparison.Ordinal);

        var containerUrl = Storage.Outputs.GetProperty("deploymentContainerUrl").GetProperty("value").GetString()!;
        Assert.Contains(".primaryEndpoints.blob", containerUrl, StringComparison.Ordinal);
        Assert.Contains("parameters('deploymentContainerName')", containerUrl, StringComparison.Ordinal);

        var passedToApp = Compiled.Main.Module("functionapp").Passed("deploymentContainerUrl").GetString()!;
        Assert.Contains("'storage'", passedToApp, StringComparison.Ordinal);
        Assert.EndsWith(".outputs.deploymentContainerUrl.value]", passedToApp, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b")] // Storage Blob Data Owner
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88")] // Storage Queue Data Contributor
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3")] // Storage Table Data Contributor
    public void App_identity_gets_the_data_role_on_the_storage_account(string roleId)
    {
        var storage = Storage;
        var assignments = storage.Resources("Microsoft.Authorization/roleAssignments")
            .Where(r => !r.TryGetProperty("copy", out _))
            .Where(r => storage.Resolve(r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!)
                .Contains($"'{roleId}'", StringComparison.Ordinal))
            .ToList();

        var assignment = Assert.Single(assignments);
        var properties = assignment.GetProperty("properties");
        Assert.True(Identity.IsPrincipalIdOfAppIdentity(storage.Resolve(properties.GetProperty("principalId").GetString()!)),
            "The role assignment's principal is not the app's user-assigned identity.");
        Assert.Equal("ServicePrincipal", properties.GetProperty("principalType").GetString());
        Assert.Equal(
            "resourceId('Microsoft.Storage/storageAccounts', parameters('name'))",
            ArmTemplate.Body(assignment.GetProperty("scope").GetString()!));

        // Name: guid(storage.id, identity.id, roleId), stable across deployments.
        var name = storage.Resolve(assignment.GetProperty("name").GetString()!);
        Assert.StartsWith("guid(resourceId('Microsoft.Storage/storageAccounts', ", name, StringComparison.Ordinal);
        Assert.EndsWith($"{Identity.ResourceIdExpression}, '{roleId}')", name, StringComparison.Ordinal);
    }

    [Fact]
    public void Deploying_principal_gets_data_roles_only_when_asked_for_and_not_by_default()
    {
        var storage = Storage;
        var loop = Assert.Single(storage.Resources("Microsoft.Authorization/roleAssignments"), r => r.TryGetProperty("copy", out _));

        var count = storage.Resolve(loop.GetProperty("copy").GetProperty("count").GetString()!);
        Assert.StartsWith("length(if(or(not(parameters('grantDeployerDataAccess')), empty(parameters('principalId'))), createArray(), ", count, StringComparison.Ordinal);
        Assert.Equal("parameters('principalId')", storage.Resolve(loop.GetProperty("properties").GetProperty("principalId").GetString()!));

        Assert.Equal(string.Empty, Compiled.Main.Parameters.GetProperty("principalId").GetProperty("defaultValue").GetString());
        Assert.False(Compiled.Main.Parameters.GetProperty("grantDeployerDataAccess").GetProperty("defaultValue").GetBoolean());
        // azd always passes AZURE_PRINCIPAL_ID; the data roles still need the explicit switch.
        using var file = System.Text.Json.JsonDocument.Parse(Repo.ReadText("infra", "main.parameters.json"));
        Assert.False(file.RootElement.GetProperty("parameters").TryGetProperty("grantDeployerDataAccess", out _));
    }

    [Fact]
    public void No_principal_but_the_apps_identity_gets_a_role_unconditionally()
    {
        foreach (var module in Compiled.Main.Modules())
        {
            foreach (var assignment in module.Resources("Microsoft.Authorization/roleAssignments").Where(r => !r.TryGetProperty("copy", out _) && !r.TryGetProperty("condition", out _)))
            {
                Assert.True(Identity.IsPrincipalIdOfAppIdentity(module.Resolve(assignment.GetProperty("properties").GetProperty("principalId").GetString()!)),
                    $"{module.Name}: a role assignment for {assignment.GetProperty("properties").GetProperty("principalId")}");
            }
        }
    }

    [Fact]
    public void Storage_account_name_fits_the_naming_rules()
    {
        // 'st' + uniqueString (13 lowercase letters and digits) = 15 characters.
        var name = Compiled.Main.Module("storage").Passed("name").GetString();
        Assert.Equal("[format('st{0}', variables('resourceToken'))]", name);
        Assert.Equal(
            "[toLower(uniqueString(resourceGroup().id, parameters('environmentName'), parameters('location')))]",
            Compiled.Main.Json.GetProperty("variables").GetProperty("resourceToken").GetString());
    }
}
