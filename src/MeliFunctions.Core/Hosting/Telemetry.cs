using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MeliFunctions.Hosting;

/// <summary>
/// OpenTelemetry for both hosts, one pipeline for the three signals: traces (the <c>MeliFunctions</c>
/// activity source: the order sync, the fraud steps, whatever else adds spans to it; and every call to
/// Mercado Libre through HttpClient instrumentation, storage calls left out), metrics (the
/// <c>MeliFunctions</c> meter, HttpClient and the .NET runtime's) and logs (every <c>ILogger</c> record,
/// with its scopes, joined to the trace it was written in). No exporter: each host chooses its own on
/// the builder this returns (the Server: the console when <see cref="ConsoleSetting"/> is true, OTLP
/// when <see cref="OtlpEndpointSetting"/> is set; the App: OTLP likewise, Azure Monitor in Azure).
/// </summary>
public static class Telemetry
{
    public const string ConsoleSetting = "Telemetry:Console";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static OpenTelemetryBuilder AddMeliTelemetry(this IServiceCollection services, string serviceName) =>
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(MeliMetrics.Name)
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = request => !IsStorageCall(request)))
            .WithMetrics(metrics => metrics
                .AddMeter(MeliMetrics.Name)
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation())
            .WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeScopes = true;
                logging.IncludeFormattedMessage = true;
            });

    /// <summary>Azure Storage calls (every queue poll) are not traced: the Azure SDK marks each with <c>x-ms-version</c>.</summary>
    internal static bool IsStorageCall(HttpRequestMessage request) => request.Headers.Contains("x-ms-version");
}
