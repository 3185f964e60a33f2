using MeliFunctions.Hosting;
using MeliFunctions.Queueing;
using MeliFunctions.Server.Fraud;
using MeliFunctions.Server.Http;
using MeliFunctions.Server.OpenApi;
using MeliFunctions.Server.Queues;
using MeliFunctions.Storage;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace MeliFunctions.Server;

/// <summary>The Server host: the same triggers as the Functions App, on ASP.NET Core.</summary>
public static class MeliServer
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root is the Server's own folder (appsettings.json, host.json), wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // host.json is the Functions host's file; the Server reads the same queue settings from it.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = "host.json",
            Optional = false,
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
        });
        builder.Configuration["AzureWebJobsStorage"] ??= "UseDevelopmentStorage=true";
        configure?.Invoke(builder);

        builder.Services.AddMeliCore(builder.Configuration);
        var telemetry = builder.Services.AddMeliTelemetry("MeliFunctions.Server")
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation(http => http.Filter = context => context.Request.Path.StartsWithSegments("/api")));
        // The exporters are this host's choice: the console locally, OTLP wherever a collector is named.
        if (builder.Configuration.GetValue<bool>(Telemetry.ConsoleSetting))
        {
            telemetry
                .WithTracing(tracing => tracing.AddConsoleExporter())
                .WithMetrics(metrics => metrics.AddConsoleExporter())
                .WithLogging(logging => logging.AddConsoleExporter());
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration[Telemetry.OtlpEndpointSetting]))
        {
            telemetry.UseOtlpExporter();
        }
        builder.Services.AddOptions<ServerOptions>().Bind(builder.Configuration.GetSection(ServerOptions.Section));
        builder.Services.AddHostedService<StorageStartup>();
        builder.Services.AddMeliFraudDriver();
        builder.Services.AddMeliOpenApi();
        var server = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        if (server.PumpEnabled)
        {
            foreach (var trigger in ServerTriggers.Queues)
            {
                // Not AddHostedService: it adds one service per implementation type, and every pump is a QueuePump.
                builder.Services.AddSingleton<IHostedService>(sp => new QueuePump(
                    trigger.QueueName,
                    sp.GetRequiredService<StorageClients>(),
                    (text, dequeueCount, ct) => trigger.Handler(sp, text, dequeueCount, ct),
                    sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueueTriggerSettings>>().Value,
                    sp.GetRequiredService<PoisonQueue>(),
                    sp.GetRequiredService<ILogger<QueuePump>>()));
            }
        }

        if (server.TimersEnabled)
        {
            builder.Services.AddHostedService(sp => new Timers.CronRunner(
                ServerTriggers.Timers(sp), sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Timers.CronRunner>>()));
        }

        var app = builder.Build();
        app.UseSecurityHeaders();
        // The operator's page (wwwroot, embedded in this assembly) at /.
        var page = new Microsoft.Extensions.FileProviders.EmbeddedFileProvider(typeof(MeliServer).Assembly, "MeliFunctions.Server.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = page });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = page });
        app.MapMeliRoutes();
        app.MapMeliOpenApi();
        return app;
    }
}

/// <summary>Creates the tables and queues before anything else starts.</summary>
internal sealed class StorageStartup(StorageInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
