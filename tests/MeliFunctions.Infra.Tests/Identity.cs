using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

/// <summary>The app's user-assigned identity, in the main template's terms.</summary>
internal static class Identity
{
    /// <summary>The resourceId(...) expression of the identity the Function App runs as.</summary>
    public static string ResourceIdExpression
    {
        get
        {
            var functionApp = Compiled.Main.Module("functionapp");
            var site = functionApp.SingleResource("Microsoft.Web/sites");
            var assigned = site.GetProperty("identity").GetProperty("userAssignedIdentities").EnumerateObject().ToList();
            Assert.Single(assigned);
            var resolved = functionApp.Resolve(assigned[0].Name);
            const string Prefix = "format('{0}', ";
            var identityId = resolved.StartsWith(Prefix, StringComparison.Ordinal) ? resolved[Prefix.Length..^1] : resolved;
            Assert.StartsWith("resourceId('Microsoft.ManagedIdentity/userAssignedIdentities'", identityId, StringComparison.Ordinal);
            return identityId;
        }
    }

    /// <summary>
    /// The identity as the main template refers to it: its symbolic name (languageVersion 2.0, where
    /// <c>reference('identity')</c> names the resource), checked to be the user-assigned identity the
    /// Function App runs as.
    /// </summary>
    public static string Symbol
    {
        get
        {
            var (symbol, resource) = Assert.Single(Compiled.Main.SymbolicResources(), r => r.Resource.GetProperty("type").GetString() == "Microsoft.ManagedIdentity/userAssignedIdentities");
            Assert.Equal(ResourceIdExpression, $"resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', {ArmTemplate.Body(resource.GetProperty("name").GetString()!)})");
            return symbol;
        }
    }

    /// <summary>reference(identity).principalId, as the main template writes it.</summary>
    public static bool IsPrincipalIdOfAppIdentity(string resolvedExpression) =>
        resolvedExpression == $"reference('{Symbol}').principalId"
        || (resolvedExpression.StartsWith($"reference({ResourceIdExpression}, ", StringComparison.Ordinal) && resolvedExpression.EndsWith(").principalId", StringComparison.Ordinal));

    /// <summary>reference(identity).clientId, as the main template writes it.</summary>
    public static bool IsClientIdOfAppIdentity(string resolvedExpression) =>
        resolvedExpression == $"reference('{Symbol}').clientId"
        || (resolvedExpression.StartsWith($"reference({ResourceIdExpression}, ", StringComparison.Ordinal) && resolvedExpression.EndsWith(").clientId", StringComparison.Ordinal));
}
