using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MeliFunctions.Hosting;

/// <summary>
/// OpenTelemetry for both hosts: the <c>MeliFunctions</c> activity source (the order sync, the fraud
/// steps, whatever else adds spans to it) and meter, and every call to Mercado Libre (HttpClient
/// instrumentation; storage calls are left out). Exporters: the console when
/// <c>Telemetry__Console=true</c>, OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; a host adds
/// its own (the App: Application Insights) on the builder this returns.
/// </summary>
public static class Telemetry
{
    public const string ConsoleSetting = "Telemetry:Console";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static OpenTelemetryBuilder AddMeliTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(MeliMetrics.Name)
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = request => !IsStorageCall(request)))
            .WithMetrics(metrics => metrics
                .AddMeter(MeliMetrics.Name)
                .AddHttpClientInstrumentation());

        if (configuration.GetValue<bool>(ConsoleSetting))
        {
            otel.WithTracing(tracing => tracing.AddConsoleExporter()).WithMetrics(metrics => metrics.AddConsoleExporter());
        }

        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]))
        {
            otel.UseOtlpExporter();
        }

        return otel;
    }

    /// <summary>Azure Storage calls (every queue poll) are not traced: the Azure SDK marks each with <c>x-ms-version</c>.</summary>
    internal static bool IsStorageCall(HttpRequestMessage request) => request.Headers.Contains("x-ms-version");
}
