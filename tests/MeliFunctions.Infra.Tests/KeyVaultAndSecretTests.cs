using System.Text.Json;
using System.Text.RegularExpressions;
using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

public partial class KeyVaultAndSecretTests
{
    private static ArmModule KeyVault => Compiled.Main.Module("keyvault");

    [Fact]
    public void Key_Vault_uses_RBAC_authorization_and_soft_delete()
    {
        var vault = KeyVault.SingleResource("Microsoft.KeyVault/vaults").GetProperty("properties");

        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.True(vault.GetProperty("enableSoftDelete").GetBoolean());
        Assert.InRange(vault.GetProperty("softDeleteRetentionInDays").GetInt32(), 7, 90);
        Assert.False(vault.TryGetProperty("accessPolicies", out _), "RBAC vaults take no access policies.");
        // Key Vault refuses an explicit false for purge protection.
        Assert.Equal("[if(parameters('enablePurgeProtection'), true(), null())]", vault.GetProperty("enablePurgeProtection").GetString());
    }

    [Fact]
    public void App_identity_is_a_Key_Vault_Secrets_User()
    {
        var keyVault = KeyVault;
        var assignment = Assert.Single(keyVault.Resources("Microsoft.Authorization/roleAssignments"));
        var properties = assignment.GetProperty("properties");

        Assert.Contains("'4633458b-17de-408a-b874-0445c86b69e6'", keyVault.Resolve(properties.GetProperty("roleDefinitionId").GetString()!), StringComparison.Ordinal);
        Assert.True(Identity.IsPrincipalIdOfAppIdentity(keyVault.Resolve(properties.GetProperty("principalId").GetString()!)));
        Assert.Equal("[resourceId('Microsoft.KeyVault/vaults', parameters('name'))]", assignment.GetProperty("scope").GetString());
    }

    [Fact]
    public void Client_secret_parameter_is_secure_required_and_without_default()
    {
        var main = Compiled.Main.Parameters.GetProperty("meliClientSecret");
        Assert.Equal("securestring", main.GetProperty("type").GetString(), ignoreCase: true);
        Assert.False(main.TryGetProperty("defaultValue", out _));

        var inModule = KeyVault.Parameters.GetProperty("meliClientSecret");
        Assert.Equal("securestring", inModule.GetProperty("type").GetString(), ignoreCase: true);
        Assert.False(inModule.TryGetProperty("defaultValue", out _));

        // Every securestring parameter anywhere has no default, but the seeds of the generated secrets,
        // whose default is fresh randomness (newGuid), never a value written in the template.
        foreach (var template in new ArmTemplate[] { Compiled.Main }.Concat(Compiled.Main.Modules()))
        {
            foreach (var parameter in template.Parameters.EnumerateObject())
            {
                if (string.Equals(parameter.Value.GetProperty("type").GetString(), "securestring", StringComparison.OrdinalIgnoreCase)
                    && parameter.Value.TryGetProperty("defaultValue", out var defaultValue))
                {
                    Assert.True(template == Compiled.Main && GeneratedSeeds.Contains(parameter.Name), $"{parameter.Name} has a default.");
                    Assert.Equal("[format('{0}{1}', newGuid(), newGuid())]", defaultValue.GetString());
                }
            }
        }
    }

    [Fact]
    public void Client_secret_flows_only_into_the_Key_Vault_secret()
    {
        // Main passes it to the Key Vault module; the module writes it into the secret. Nowhere else.
        Assert.Equal(2, Occurrences(Compiled.MainJson, "parameters('meliClientSecret')"));
        Assert.Equal("[parameters('meliClientSecret')]", KeyVault.Passed("meliClientSecret").GetString());
        var secret = Secret("meliClientSecretName");
        Assert.Equal("[parameters('meliClientSecret')]", secret.GetProperty("properties").GetProperty("value").GetString());

        Assert.DoesNotContain("meliClientSecret", Compiled.Main.Outputs.GetRawText(), StringComparison.Ordinal);
        foreach (var module in Compiled.Main.Modules())
        {
            if (module.Json.TryGetProperty("outputs", out var outputs))
            {
                Assert.DoesNotContain("parameters('meliClientSecret')", outputs.GetRawText(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Parameters_file_takes_the_client_secret_and_everything_else_from_the_environment()
    {
        using var file = JsonDocument.Parse(Repo.ReadText("infra", "main.parameters.json"));
        var parameters = file.RootElement.GetProperty("parameters");

        Assert.Equal("${MELI_CLIENT_SECRET}", parameters.GetProperty("meliClientSecret").GetProperty("value").GetString());
        // Only placeholders: no value of any kind is committed in the parameters file.
        foreach (var parameter in parameters.EnumerateObject())
        {
            Assert.Matches(@"^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$", parameter.Value.GetProperty("value").GetString());
        }
    }

    [Fact]
    public void No_key_connection_string_or_secret_value_is_in_the_template_or_the_infra_files()
    {
        var texts = new Dictionary<string, string> { ["compiled main.json"] = Compiled.MainJson };
        foreach (var file in Directory.EnumerateFiles(Repo.PathOf("infra"), "*", SearchOption.AllDirectories))
        {
            texts[Path.GetRelativePath(Repo.Root, file)] = File.ReadAllText(file);
        }

        texts["azure.yaml"] = Repo.ReadText("azure.yaml");

        foreach (var (name, text) in texts)
        {
            Assert.DoesNotMatch(SecretLooking(), text);
            Assert.DoesNotContain("listKeys(", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listConnectionStrings(", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(LongBase64(), text);
            Assert.True(!text.Contains("sandbox-client-secret", StringComparison.Ordinal), $"{name} holds the sandbox secret.");
        }
    }

    [Fact]
    public void Secret_scan_would_catch_an_account_key()
    {
        const string Leak = "DefaultEndpointsProtocol=https;AccountName=stx;AccountKey=abc123abc123abc123abc123abc123abc123abc123abc123abc123abc123abc123abc123abc123abc123ab==;EndpointSuffix=core.windows.net";
        Assert.Matches(SecretLooking(), Leak);
        Assert.Matches(LongBase64(), Leak);
        Assert.Matches(SecretLooking(), "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x");
    }

    [Theory]
    [InlineData("callbackSecretName", "notifications-callback-secret", "callbackSecretSeed", "[replace(parameters('callbackSecretSeed'), '-', '')]")]
    [InlineData("previousCallbackSecretName", "notifications-callback-secret-previous", "previousCallbackSecretSeed", "[replace(parameters('previousCallbackSecretSeed'), '-', '')]")]
    [InlineData("tokenKeysName", "token-keys", "tokenKeySeed", "[format('k1:{0}', replace(parameters('tokenKeySeed'), '-', ''))]")]
    public void Generated_secrets_are_written_once_from_fresh_randomness_and_a_redeployment_keeps_them(string nameParameter, string name, string seed, string value)
    {
        var secret = Secret(nameParameter);
        Assert.Equal($"format('{{0}}/{{1}}', format('kv-{{0}}', variables('resourceToken')), '{name}')", KeyVault.Resolve(secret.GetProperty("name").GetString()!));
        Assert.Equal(value, secret.GetProperty("properties").GetProperty("value").GetString());
        // Written only when it does not exist: a redeployment's fresh seed does not replace the secret in use.
        Assert.True(secret.GetProperty("@options").TryGetProperty("onlyIfNotExists", out _), $"{name} would be overwritten on every deployment.");
        Assert.Equal($"[parameters('{seed}')]", KeyVault.Passed(seed).GetString());
        Assert.Equal("securestring", Compiled.Main.Parameters.GetProperty(seed).GetProperty("type").GetString(), ignoreCase: true);
        Assert.Equal("[format('{0}{1}', newGuid(), newGuid())]", Compiled.Main.Parameters.GetProperty(seed).GetProperty("defaultValue").GetString());
        Assert.False(Compiled.Main.Outputs.GetRawText().Contains(seed, StringComparison.Ordinal));
    }

    private static readonly HashSet<string> GeneratedSeeds = ["callbackSecretSeed", "previousCallbackSecretSeed", "tokenKeySeed"];

    /// <summary>The vault secret whose name comes from this module parameter.</summary>
    private static JsonElement Secret(string nameParameter) =>
        Assert.Single(KeyVault.Resources("Microsoft.KeyVault/vaults/secrets"), r => r.GetProperty("name").GetString()!.Contains($"parameters('{nameParameter}')", StringComparison.Ordinal));

    private static int Occurrences(string text, string value) =>
        Regex.Count(text, Regex.Escape(value));

    [GeneratedRegex(@"(AccountKey|SharedAccessKey|SharedAccessSignature|InstrumentationKey|ClientSecret|Password)\s*=\s*[^;""'\s{\[]", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLooking();

    // A storage key is 88 base64 characters; nothing legitimate here is that long without a break.
    [GeneratedRegex(@"[A-Za-z0-9+/]{60,}={0,2}")]
    private static partial Regex LongBase64();
}
