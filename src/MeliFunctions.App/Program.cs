using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using MeliFunctions.Hosting;
using MeliFunctions.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
// The App's own defaults, under every other source (app settings win). A fraud step's claim on its
// case lasts as long as Durable keeps a dead host's activity hidden (workItemQueueVisibilityTimeout
// in host.json, 1 minute): the activity that comes back then finds the claim over and runs the step
// again, where Core's 2 minutes would keep it retrying against the dead host's claim for another minute.
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?> { ["Fraud:StepLease"] = "00:01:00" },
});
// The queue settings Core needs (maxDequeueCount...) come from the same host.json the Functions host reads.
builder.Configuration.AddJsonFile("host.json", optional: true);
builder.Services.AddMeliCore(builder.Configuration);

// Traces, metrics and logs: the worker's invocation spans joined to the host's. The exporters are this
// host's choice: OTLP wherever a collector is named, Application Insights in Azure.
var telemetry = builder.Services.AddMeliTelemetry("MeliFunctions.App").UseFunctionsWorkerDefaults();
if (!string.IsNullOrWhiteSpace(builder.Configuration[Telemetry.OtlpEndpointSetting]))
{
    telemetry.UseOtlpExporter();
}

if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    telemetry.UseAzureMonitorExporter(options =>
    {
        // Entra-only ingestion ("ClientId=<id>;Authorization=AAD"): the app's user-assigned identity signs in.
        var auth = builder.Configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] ?? "";
        var clientId = auth.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == "ClientId")?[1].Trim();
        if (!string.IsNullOrEmpty(clientId))
        {
            options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        }
    });
}

var app = builder.Build();
await app.Services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(CancellationToken.None);
await app.RunAsync();
