using System.Reflection;
using System.Text.Json;
using MeliFunctions.Server;
using MeliFunctions.Server.Http;
using MeliFunctions.Server.OpenApi;
using MeliFunctions.Server.Queues;
using MeliFunctions.Server.Timers;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MeliFunctions.Tests.Hosting;

/// <summary>
/// The two hosts run the same triggers: the App's <c>functions.metadata</c> (what the Functions host
/// loads) against what the Server really registers (its endpoints, queue pumps and timers). A
/// route, queue or timer added to one host only fails here.
/// </summary>
public sealed class TwinHostTests
{
    /// <summary>
    /// The App's Durable Functions orchestrator and activities. The Server has no counterpart to
    /// list: its fraud driver runs the same Core steps from the <c>fraud-steps</c> queue, which both
    /// hosts have (<c>FraudFlowStart</c> in the App). A new Durable function must be added here.
    /// </summary>
    private static readonly HashSet<string> AppDurableFunctions = new(StringComparer.Ordinal)
    {
        "FraudStopOrchestration", "FraudDecide", "FraudRunStep", "FraudGiveUp",
    };

    // The Server's other surface, its operator page at /, is static files middleware, not an
    // endpoint: the Server's endpoints are all HTTP triggers of the App, but for the OpenAPI
    // document's conventional path (see ServerRoutes).
    internal static readonly Lazy<List<AppFunction>> App = new(ReadAppFunctions);

    [Fact]
    public async Task Every_http_route_is_served_by_both_hosts_with_the_same_key_requirement()
    {
        var app = App.Value
            .Where(f => f.Trigger.Type == "httpTrigger")
            .SelectMany(f => f.Methods.Select(method => new HttpRoute(method, AppTemplate(f), AppKeyed(f))))
            .ToHashSet();
        Assert.NotEmpty(app);
        await using var server = BuildServer();
        var served = ServerRoutes(server).ToHashSet();

        Assert.True(app.SetEquals(served), Difference("The hosts' HTTP routes", app, served));
    }

    [Fact]
    public async Task The_Servers_keyed_routes_refuse_a_call_without_the_key()
    {
        // The marker the route comparison reads comes with the key check: each keyed endpoint answers 401 without the key.
        await using var server = BuildServer();
        var keyed = Endpoints(server).Where(e => e.Metadata.GetMetadata<ManagementKeyRequired>() is not null).ToList();
        Assert.NotEmpty(keyed);
        foreach (var endpoint in keyed)
        {
            using var scope = server.Services.CreateScope();
            var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
            http.Request.Method = endpoint.Metadata.GetRequiredMetadata<IHttpMethodMetadata>().HttpMethods[0];
            foreach (var parameter in endpoint.RoutePattern.Parameters)
            {
                http.Request.RouteValues[parameter.Name] = "1";
            }

            http.Response.Body = new MemoryStream();
            await endpoint.RequestDelegate!(http);
            http.Response.Body.Position = 0;
            var body = await new StreamReader(http.Response.Body).ReadToEndAsync();
            Assert.True(http.Response.StatusCode == 401 && body.Contains("invalid_key", StringComparison.Ordinal),
                $"{endpoint.DisplayName}: {http.Response.StatusCode} {body}");
        }
    }

    [Fact]
    public async Task Every_queue_trigger_is_a_Server_pump_on_the_same_connection()
    {
        var app = App.Value
            .Where(f => f.Trigger.Type == "queueTrigger")
            .Select(f => new QueueBinding(Required(f, "queueName"), Required(f, "connection")))
            .ToHashSet();
        Assert.NotEmpty(app);
        var server = ServerTriggers.Queues.Select(q => new QueueBinding(q.QueueName, q.Connection)).ToHashSet();

        Assert.True(app.SetEquals(server), Difference("The hosts' queue triggers", app, server));
        Assert.All(server, q => Assert.Equal("AzureWebJobsStorage", q.Connection));

        // And the Server really starts a pump for each of them.
        await using var built = BuildServer();
        var pumps = built.Services.GetServices<IHostedService>().OfType<QueuePump>().Select(p => p.QueueName).Order(StringComparer.Ordinal);
        Assert.Equal(server.Select(q => q.QueueName).Order(StringComparer.Ordinal), pumps);
    }

    [Fact]
    public async Task Every_timer_schedule_setting_has_a_Server_timer()
    {
        var app = App.Value
            .Where(f => f.Trigger.Type == "timerTrigger")
            .Select(f => ScheduleSetting(f))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(app);
        await using var server = BuildServer();
        var timers = ServerTriggers.Timers(server.Services).Select(j => j.ScheduleSetting).ToHashSet(StringComparer.Ordinal);

        Assert.True(app.SetEquals(timers), Difference("The hosts' timer schedule settings", app, timers));
        Assert.Single(server.Services.GetServices<IHostedService>().OfType<CronRunner>());
    }

    [Fact]
    public void Every_App_function_has_a_trigger_the_Server_runs_or_is_a_listed_Durable_function()
    {
        var compared = new HashSet<string>(StringComparer.Ordinal) { "httpTrigger", "queueTrigger", "timerTrigger" };
        var durable = new HashSet<string>(StringComparer.Ordinal) { "orchestrationTrigger", "activityTrigger" };
        var unexpected = App.Value
            .Where(f => !compared.Contains(f.Trigger.Type) && !(durable.Contains(f.Trigger.Type) && AppDurableFunctions.Contains(f.Name)))
            .Select(f => $"{f.Name} ({f.Trigger.Type})")
            .ToList();
        Assert.True(unexpected.Count == 0,
            $"App functions with no Server counterpart and not listed as Durable functions: {string.Join(", ", unexpected)}");

        var listed = App.Value.Where(f => durable.Contains(f.Trigger.Type)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        Assert.True(listed.SetEquals(AppDurableFunctions), Difference("Durable functions", listed, AppDurableFunctions, "functions.metadata", "the list above"));
    }

    [Theory]
    [InlineData("{prefix:regex(^admin$)}/reconcile/last", "admin/reconcile/last")]
    [InlineData("orders/{orderId}", "orders/{orderId}")]
    [InlineData("/api/orders/{orderId}/notes", "orders/{orderId}/notes")]
    public void Route_templates_compare_without_the_Apps_admin_constraint_or_the_api_prefix(string template, string normalised) =>
        Assert.Equal(normalised, Normalise(template));

    internal sealed record HttpRoute(string Method, string Template, bool Keyed)
    {
        public override string ToString() => $"{Method} /api/{Template} ({(Keyed ? "key" : "anonymous")})";
    }

    private sealed record QueueBinding(string QueueName, string Connection);

    internal sealed record Binding(string Type, JsonElement Json);

    internal sealed record AppFunction(string Name, Binding Trigger)
    {
        public IEnumerable<string> Methods => Trigger.Json.TryGetProperty("methods", out var methods)
            ? methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant())
            : throw new InvalidOperationException($"{Name}: an HTTP trigger without methods answers every method; the Server maps each route per method.");
    }

    private static List<AppFunction> ReadAppFunctions()
    {
        // The App is built before the tests (a ProjectReference that references no assembly), in the same configuration.
        var configuration = typeof(TwinHostTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(RepoPaths.Root, "src", "MeliFunctions.App", "bin", configuration, "net10.0", "functions.metadata");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The App's functions.metadata is not at {path}. The Functions Worker SDK writes it when src/MeliFunctions.App builds; " +
                $"building tests/MeliFunctions.Tests builds the App first. Build it with: dotnet build src/MeliFunctions.App -c {configuration}", path);
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.EnumerateArray().Select(function =>
        {
            var name = function.GetProperty("name").GetString()!;
            var triggers = function.GetProperty("bindings").EnumerateArray()
                .Select(b => new Binding(b.GetProperty("type").GetString()!, b.Clone()))
                .Where(b => b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
                .ToList();
            Assert.True(triggers.Count == 1, $"{name}: a function has exactly one trigger; found {triggers.Count}.");
            return new AppFunction(name, triggers[0]);
        }).ToList();
    }

    internal static string AppTemplate(AppFunction function) => Normalise(Required(function, "route"));

    internal static bool AppKeyed(AppFunction function) => Required(function, "authLevel") switch
    {
        "Function" => true,
        "Anonymous" => false,
        var other => throw new InvalidOperationException($"{function.Name}: authLevel {other} has no Server counterpart (the Server knows the management key and anonymous)."),
    };

    private static string ScheduleSetting(AppFunction function)
    {
        var schedule = Required(function, "schedule");
        Assert.True(schedule.Length > 2 && schedule[0] == '%' && schedule[^1] == '%',
            $"{function.Name}: schedule '{schedule}' is not a %Setting% reference; the Server reads every schedule from a setting.");
        return schedule[1..^1];
    }

    private static string Required(AppFunction function, string property) =>
        function.Trigger.Json.TryGetProperty(property, out var value) && value.GetString() is { Length: > 0 } text
            ? text
            : throw new InvalidOperationException($"{function.Name}: its {function.Trigger.Type} has no {property}.");

    /// <summary>
    /// A route as both hosts serve it under /api: the App's templates are relative to the host's
    /// route prefix, and its admin routes go through the one-value constraint
    /// <c>{prefix:regex(^admin$)}</c> (the Functions host reserves templates that begin with admin).
    /// </summary>
    private static string Normalise(string template)
    {
        var path = template.Trim('/');
        if (path.StartsWith("api/", StringComparison.Ordinal))
        {
            path = path["api/".Length..];
        }

        return path.Replace("{prefix:regex(^admin$)}", "admin", StringComparison.Ordinal);
    }

    internal static WebApplication BuildServer() => MeliServer.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Meli:AppId"] = ServerHost.AppId,
        ["Meli:ClientSecret"] = ServerHost.ClientSecret,
        ["Server:ApiKey"] = ServerHost.ApiKey,
        ["Tokens:Keys"] = ServerHost.TokenKeys,
        ["Server:PumpEnabled"] = "true",
        ["Server:TimersEnabled"] = "true",
    }));

    internal static IEnumerable<RouteEndpoint> Endpoints(WebApplication server) =>
        ((IEndpointRouteBuilder)server).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>();

    /// <summary>
    /// The Server's routes under /api; its one other endpoint is the OpenAPI document at
    /// Microsoft.AspNetCore.OpenApi's conventional <c>/openapi/v1.json</c>, also served at
    /// <c>/api/openapi/v1.json</c> as in the App.
    /// </summary>
    internal static IEnumerable<HttpRoute> ServerRoutes(WebApplication server) =>
        Endpoints(server).Where(endpoint => endpoint.RoutePattern.RawText != ApiDocument.ConventionalPath).SelectMany(endpoint =>
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods
                ?? throw new InvalidOperationException($"{endpoint.DisplayName}: a Server endpoint without HTTP methods answers every method; the App's routes name theirs.");
            var template = endpoint.RoutePattern.RawText ?? throw new InvalidOperationException($"{endpoint.DisplayName} has no route pattern.");
            Assert.True(template.StartsWith("/api/", StringComparison.Ordinal), $"{endpoint.DisplayName}: the Server's endpoints are under /api, as the App's.");
            var keyed = endpoint.Metadata.GetMetadata<ManagementKeyRequired>() is not null;
            return methods.Select(method => new HttpRoute(method.ToUpperInvariant(), Normalise(template), keyed));
        });

    internal static string Difference<T>(string what, IEnumerable<T> app, IEnumerable<T> server, string left = "the App", string right = "the Server")
    {
        var onlyLeft = app.Except(server).Select(x => x!.ToString()).Order(StringComparer.Ordinal).ToList();
        var onlyRight = server.Except(app).Select(x => x!.ToString()).Order(StringComparer.Ordinal).ToList();
        return $"{what} differ.\n  Only in {left}: {(onlyLeft.Count == 0 ? "none" : string.Join("; ", onlyLeft))}" +
            $"\n  Only in {right}: {(onlyRight.Count == 0 ? "none" : string.Join("; ", onlyRight))}";
    }
}
