using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.Server.OpenApi;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Hosting;

/// <summary>
/// The OpenAPI document: the Server generates it (Microsoft.AspNetCore.OpenApi), the repo keeps it
/// as <c>docs/openapi.json</c> and the App serves that copy. Every route it describes is served by
/// both hosts with the key requirement it states, and every route of either host is in it. The
/// document is read from a started Server: Microsoft.AspNetCore.OpenApi reads the endpoints the
/// running app routes to.
/// </summary>
public sealed class OpenApiDocumentTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    /// <summary>Set to 1 to rewrite <c>docs/openapi.json</c> from the Server before comparing.</summary>
    public const string WriteSetting = "MELI_WRITE_OPENAPI";

    private static readonly string CommittedPath = Path.Combine(RepoPaths.Root, "docs", "openapi.json");

    [Fact]
    public async Task The_committed_document_is_the_one_the_Server_generates()
    {
        var generated = await world.Server.App.Services.GetRequiredService<ApiDocumentText>().GetAsync(CancellationToken.None);
        Assert.Contains("/api/orders/{orderId}", generated, StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable(WriteSetting) == "1")
        {
            await File.WriteAllTextAsync(CommittedPath, generated);
        }

        var committed = File.Exists(CommittedPath) ? (await File.ReadAllTextAsync(CommittedPath)).ReplaceLineEndings("\n") : "";
        Assert.True(committed == generated,
            $"docs/openapi.json is not the document the Server generates; the App serves the committed one. Rewrite it with: " +
            $"{WriteSetting}=1 dotnet test tests/MeliFunctions.Tests --filter FullyQualifiedName~{nameof(OpenApiDocumentTests)}");
    }

    [Fact]
    public async Task Every_documented_route_is_served_by_both_hosts_and_every_route_is_documented()
    {
        var documented = Operations(ReadCommitted()).ToList();
        Assert.NotEmpty(documented);
        var doc = documented.Select(o => o.Route).ToHashSet();
        Assert.Equal(documented.Count, doc.Count);

        var app = TwinHostTests.App.Value
            .Where(f => f.Trigger.Type == "httpTrigger")
            .SelectMany(f => f.Methods.Select(method => new TwinHostTests.HttpRoute(method, TwinHostTests.AppTemplate(f), TwinHostTests.AppKeyed(f))))
            .ToHashSet();
        await using var server = TwinHostTests.BuildServer();
        var served = TwinHostTests.ServerRoutes(server).ToHashSet();

        Assert.True(doc.SetEquals(app), TwinHostTests.Difference("The documented routes and the App's", doc, app, "the document", "the App"));
        Assert.True(doc.SetEquals(served), TwinHostTests.Difference("The documented routes and the Server's", doc, served, "the document", "the Server"));
    }

    [Fact]
    public void Each_operation_id_is_the_Apps_function_name_for_its_route()
    {
        var functions = TwinHostTests.App.Value
            .Where(f => f.Trigger.Type == "httpTrigger")
            .SelectMany(f => f.Methods.Select(method => (Route: $"{method} {TwinHostTests.AppTemplate(f)}", f.Name)))
            .ToDictionary(f => f.Route, f => f.Name, StringComparer.Ordinal);
        foreach (var operation in Operations(ReadCommitted()))
        {
            var route = $"{operation.Route.Method} {operation.Route.Template}";
            Assert.True(functions.TryGetValue(route, out var name), $"{route} is not an App function.");
            Assert.Equal(name, operation.OperationId);
        }
    }

    [Theory]
    [InlineData("api/openapi/v1.json")]
    [InlineData("openapi/v1.json")]
    public async Task The_Server_serves_the_committed_document_behind_the_key(string path)
    {
        var committed = (await File.ReadAllTextAsync(CommittedPath)).ReplaceLineEndings("\n");

        var anonymous = await world.Server.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("invalid_key", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var answer = await world.Server.Management.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
        Assert.True(await answer.Content.ReadAsStringAsync() == committed, $"/{path} answered another document than docs/openapi.json.");

        using var byQuery = new HttpRequestMessage(HttpMethod.Get, $"{path}?code={ServerHost.ApiKey}");
        Assert.Equal(HttpStatusCode.OK, (await world.Server.Http.SendAsync(byQuery)).StatusCode);
    }

    [Fact]
    public void The_error_schema_is_the_body_the_hosts_answer_errors_with()
    {
        var schema = ReadCommitted()["components"]!["schemas"]!["Error"]!;
        var body = JsonNode.Parse(ApiResponse.Error(400, "invalid_order_id", "Not an order id.").JsonBody!)!.AsObject();
        var required = schema["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(body.Select(p => p.Key).Order(StringComparer.Ordinal), required);
        var properties = schema["properties"]!.AsObject();
        Assert.All(body, p => Assert.True(properties.ContainsKey(p.Key), $"The error body's {p.Key} is not in the schema."));
    }

    [Fact]
    public void Keyed_operations_name_both_key_schemes_and_anonymous_ones_clear_them()
    {
        var document = ReadCommitted();
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("x-functions-key", schemes[ApiDocument.HeaderScheme]!["name"]!.GetValue<string>());
        Assert.Equal("header", schemes[ApiDocument.HeaderScheme]!["in"]!.GetValue<string>());
        Assert.Equal("code", schemes[ApiDocument.QueryScheme]!["name"]!.GetValue<string>());
        Assert.Equal("query", schemes[ApiDocument.QueryScheme]!["in"]!.GetValue<string>());
        var byDefault = document["security"]!.AsArray().Select(r => r!.AsObject().Single().Key).Order(StringComparer.Ordinal);
        Assert.Equal([ApiDocument.HeaderScheme, ApiDocument.QueryScheme], byDefault);

        var anonymous = Operations(document).Where(o => !o.Route.Keyed).Select(o => o.OperationId).Order(StringComparer.Ordinal);
        Assert.Equal(["Health", "HealthLive", "Notifications", "OAuthCallback", "OAuthStart"], anonymous);
    }

    [Fact]
    public async Task Real_answers_have_the_shape_their_schemas_state()
    {
        var seller = await world.ConnectSellerAsync("OPENAPI_FORMAS");
        var (orderId, order) = await world.CreatePaidOrderAsync(seller);
        var item = order.GetProperty("order_items")[0].GetProperty("item").GetProperty("id").GetString()!;
        await world.WaitForStoredOrderAsync(orderId);
        var document = ReadCommitted();

        // (method, the documented path, the path called, the body, the status the call answers)
        var calls = new (string Method, string Template, string Path, string? Body, int Status)[]
        {
            ("GET", "/api/health", "api/health", null, 200),
            ("GET", "/api/health/live", "api/health/live", null, 200),
            ("GET", "/api/admin/health", "api/admin/health", null, 200),
            ("GET", "/api/admin/overview", $"api/admin/overview?seller={seller}", null, 200),
            ("GET", "/api/admin/poison", "api/admin/poison", null, 200),
            ("POST", "/api/admin/invites", "api/admin/invites", """{"note":"openapi"}""", 201),
            ("GET", "/api/orders", $"api/orders?seller={seller}", null, 200),
            ("GET", "/api/orders", "api/orders?seller=abc", null, 400),
            ("GET", "/api/orders/{orderId}", $"api/orders/{orderId}", null, 200),
            ("GET", "/api/orders/{orderId}", "api/orders/abc", null, 400),
            ("GET", "/api/orders/{orderId}", "api/orders/1", null, 404),
            ("GET", "/api/fraud-cases", $"api/fraud-cases?seller={seller}", null, 200),
            ("PUT", "/api/stock/{sellerId}/{itemId}", $"api/stock/{seller}/{item}", """{"available_quantity":4}""", 200),
            ("GET", "/api/stock/{sellerId}/{itemId}", $"api/stock/{seller}/{item}", null, 200),
            ("POST", "/api/stock/{sellerId}/{itemId}/adjustments", $"api/stock/{seller}/{item}/adjustments", """{"delta":-1,"idempotency_key":"openapi-1"}""", 200),
            ("POST", "/api/admin/sweep", $"api/admin/sweep?seller={seller}", null, 202),
            ("GET", "/api/admin/reconcile/last", "api/admin/reconcile/last", null, 400),
        };
        var errors = new List<string>();
        foreach (var call in calls)
        {
            using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path);
            if (call.Body is not null)
            {
                request.Content = new StringContent(call.Body, System.Text.Encoding.UTF8, "application/json");
            }

            using var answer = await world.Server.Management.SendAsync(request);
            var text = await answer.Content.ReadAsStringAsync();
            Assert.True((int)answer.StatusCode == call.Status, $"{call.Method} /{call.Path}: {(int)answer.StatusCode} {text}");
            var documented = document["paths"]![call.Template]?[call.Method.ToLowerInvariant()]?["responses"]?[call.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            Assert.True(documented is not null, $"{call.Method} {call.Template} documents no {call.Status} answer.");
            var schema = documented!["content"]?["application/json"]?["schema"];
            Assert.True(schema is not null, $"{call.Method} {call.Template} {call.Status} documents no JSON body, and it answered {text}");
            Check(JsonNode.Parse(text), schema!, document, $"{call.Method} /{call.Path} {call.Status}: $", errors);
        }

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>The answer has what its schema states: the types, enums, required and listed properties (objects may hold more).</summary>
    private static void Check(JsonNode? value, JsonNode schema, JsonNode document, string at, List<string> errors)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!;
        }

        var kind = value switch
        {
            null => "null",
            JsonObject => "object",
            JsonArray => "array",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => "string",
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValue v when v.TryGetValue<long>(out _) => "integer",
            _ => "number",
        };
        var types = schema["type"] switch
        {
            JsonArray list => list.Select(t => t!.GetValue<string>()).ToList(),
            JsonNode one => [one.GetValue<string>()],
            null => null,
        };
        if (types is not null && !types.Contains(kind) && !(kind == "integer" && types.Contains("number")))
        {
            errors.Add($"{at}: {kind} where the schema says {string.Join(" or ", types)}");
            return;
        }

        if (schema["enum"] is JsonArray values && value is JsonValue && !values.Any(v => JsonNode.DeepEquals(v, value)))
        {
            errors.Add($"{at}: {value.ToJsonString()} is not one of {values.ToJsonString()}");
        }

        if (value is JsonObject obj)
        {
            foreach (var name in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
            {
                if (!obj.ContainsKey(name))
                {
                    errors.Add($"{at}.{name}: required, missing");
                }
            }

            var properties = schema["properties"]?.AsObject();
            foreach (var (name, property) in obj)
            {
                if (properties?[name] is { } propertySchema)
                {
                    Check(property, propertySchema, document, $"{at}.{name}", errors);
                }
                else if (schema["additionalProperties"] is JsonObject additional)
                {
                    Check(property, additional, document, $"{at}.{name}", errors);
                }
            }
        }

        if (value is JsonArray array && schema["items"] is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(array[i], items, document, $"{at}[{i}]", errors);
            }
        }
    }

    private sealed record DocumentedOperation(TwinHostTests.HttpRoute Route, string OperationId);

    private static JsonNode ReadCommitted()
    {
        Assert.True(File.Exists(CommittedPath), $"{CommittedPath} is missing; write it with {WriteSetting}=1 (see {nameof(The_committed_document_is_the_one_the_Server_generates)}).");
        return JsonNode.Parse(File.ReadAllText(CommittedPath))!;
    }

    /// <summary>Each operation: its method, its path as the hosts compare it, and whether it needs the key (no <c>security</c> of its own: the document's key).</summary>
    private static IEnumerable<DocumentedOperation> Operations(JsonNode document)
    {
        var methods = new HashSet<string>(StringComparer.Ordinal) { "get", "put", "post", "delete", "patch", "head", "options", "trace" };
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            Assert.StartsWith("/api/", path, StringComparison.Ordinal);
            foreach (var (method, operation) in item!.AsObject().Where(p => methods.Contains(p.Key)))
            {
                var security = operation!["security"];
                var keyed = security is null;
                Assert.True(keyed || security!.AsArray().Count == 0, $"{method} {path}: security is the document's key or none.");
                yield return new DocumentedOperation(
                    new TwinHostTests.HttpRoute(method.ToUpperInvariant(), path["/api/".Length..], keyed),
                    operation["operationId"]!.GetValue<string>());
            }
        }
    }
}
