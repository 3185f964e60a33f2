using System.Text.Json;
using System.Text.RegularExpressions;

namespace MeliFunctions.Infra.Tests.Support;

/// <summary>An ARM template (the main one, or a module's nested template) read with System.Text.Json.</summary>
internal partial class ArmTemplate(JsonElement template)
{
    public JsonElement Json { get; } = template;

    public JsonElement Parameters => Json.GetProperty("parameters");

    public JsonElement Outputs => Json.GetProperty("outputs");

    /// <summary>Resources, whether the template lists them (array) or names them (languageVersion 2.0).</summary>
    public IEnumerable<JsonElement> Resources()
    {
        var resources = Json.GetProperty("resources");
        return resources.ValueKind == JsonValueKind.Array
            ? resources.EnumerateArray()
            : resources.EnumerateObject().Select(p => p.Value);
    }

    /// <summary>Resources with their symbolic names (languageVersion 2.0 templates name every resource).</summary>
    public IEnumerable<(string Symbol, JsonElement Resource)> SymbolicResources()
    {
        var resources = Json.GetProperty("resources");
        Assert.True(resources.ValueKind == JsonValueKind.Object, "The template lists its resources without symbolic names (languageVersion 1.0).");
        return resources.EnumerateObject().Select(p => (p.Name, p.Value));
    }

    /// <summary>
    /// A regex for <c>reference(&lt;module&gt;).outputs.&lt;output&gt;.value</c> where the module is the
    /// deployment with this name, as a languageVersion 2.0 template writes it (by symbolic name).
    /// </summary>
    public string ModuleOutputPattern(string deploymentName, string output)
    {
        var symbol = Assert.Single(SymbolicResources(), r =>
            r.Resource.GetProperty("type").GetString() == "Microsoft.Resources/deployments" && r.Resource.GetProperty("name").GetString() == deploymentName).Symbol;
        return $@"reference\('{Regex.Escape(symbol)}'\)\.outputs\.{Regex.Escape(output)}\.value";
    }

    public IEnumerable<JsonElement> Resources(string type) =>
        Resources().Where(r => string.Equals(r.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase));

    public JsonElement SingleResource(string type)
    {
        var matches = Resources(type).ToList();
        Assert.True(matches.Count == 1, $"Expected one {type}, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>The module (a Microsoft.Resources/deployments resource) with this deployment name.</summary>
    public ArmModule Module(string name)
    {
        var deployment = Resources("Microsoft.Resources/deployments")
            .SingleOrDefault(d => d.GetProperty("name").GetString() == name);
        Assert.True(deployment.ValueKind == JsonValueKind.Object, $"No module deployment named '{name}'.");
        return new ArmModule(name, deployment, this);
    }

    public IEnumerable<ArmModule> Modules() =>
        Resources("Microsoft.Resources/deployments")
            .Select(d => new ArmModule(d.GetProperty("name").GetString()!, d, this));

    /// <summary>A string variable's literal value.</summary>
    public string? StringVariable(string name) =>
        Json.TryGetProperty("variables", out var variables)
        && variables.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.String
        && !IsExpression(value.GetString()!)
            ? value.GetString()
            : null;

    public static bool IsExpression(string value) =>
        value.StartsWith('[') && value.EndsWith(']') && !value.StartsWith("[[", StringComparison.Ordinal);

    /// <summary>The body of a template expression: "[f(x)]" gives "f(x)"; a literal gives itself quoted.</summary>
    public static string Body(string value) => IsExpression(value) ? value[1..^1] : $"'{value}'";

    /// <summary>Replaces variables('x') that hold string literals by the literal, quoted as in expressions.</summary>
    public virtual string Resolve(string expression) =>
        VariableReference().Replace(Body(expression), m => StringVariable(m.Groups[1].Value) is { } literal ? $"'{literal}'" : m.Value);

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"parameters\('([^']+)'\)")]
    protected static partial Regex ParameterReference();
}

/// <summary>A module: the deployment resource, the values its parent passes and its nested template.</summary>
internal sealed class ArmModule(string name, JsonElement deployment, ArmTemplate parent)
    : ArmTemplate(deployment.GetProperty("properties").GetProperty("template"))
{
    public string Name { get; } = name;

    public ArmTemplate Parent { get; } = parent;

    public JsonElement PassedParameters => deployment.GetProperty("properties").GetProperty("parameters");

    /// <summary>The value the parent passes for a parameter of this module.</summary>
    public JsonElement Passed(string parameter)
    {
        Assert.True(PassedParameters.TryGetProperty(parameter, out var passed), $"Module '{Name}' is not given '{parameter}'.");
        return passed.GetProperty("value");
    }

    /// <summary>
    /// Resolves an expression of this template into the parent's terms: literal string variables are
    /// inlined and parameters('x') becomes the (resolved) expression the parent passes for x.
    /// </summary>
    public override string Resolve(string expression)
    {
        var local = base.Resolve(expression);
        return ParameterReference().Replace(local, m =>
            PassedParameters.TryGetProperty(m.Groups[1].Value, out var passed)
            && passed.TryGetProperty("value", out var value)
            && value.ValueKind == JsonValueKind.String
                ? Parent.Resolve(value.GetString()!)
                : m.Value);
    }
}
