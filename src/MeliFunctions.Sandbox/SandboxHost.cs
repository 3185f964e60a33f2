using MeliFunctions.Sandbox.Admin;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Faults;
using MeliFunctions.Sandbox.Items;
using MeliFunctions.Sandbox.Notifications;
using MeliFunctions.Sandbox.OAuth;
using MeliFunctions.Sandbox.Orders;
using MeliFunctions.Sandbox.Shipments;
using MeliFunctions.Sandbox.Users;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox;

/// <summary>Builds the sandbox web app. Used by both <c>Program</c> and <see cref="MeliSandbox.StartAsync"/>.</summary>
internal static class SandboxHost
{
    /// <param name="args">command-line arguments (configuration section <c>Sandbox</c> binds the options when <paramref name="options"/> is null)</param>
    /// <param name="options">explicit options (tests), or null to bind from configuration</param>
    /// <param name="url">listen URL, or null to use the usual ASP.NET Core settings (<c>--urls</c>)</param>
    /// <param name="time">the clock; <see cref="TimeProvider.System"/> when null</param>
    public static WebApplication Build(string[] args, SandboxOptions? options, string? url, TimeProvider? time)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SandboxHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (options is null)
        {
            options = new SandboxOptions();
            builder.Configuration.GetSection("Sandbox").Bind(options);
        }
        if (url is not null)
        {
            builder.WebHost.UseUrls(url);
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddSingleton<FaultBook>();
        services.AddSingleton<RequestLog>();
        services.AddSingleton<NotificationHub>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationHub>());
        services.AddSingleton<SandboxWorld>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<OrderLifecycle>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        app.UseMiddleware<ApiGate>();
        OAuthEndpoints.Map(app);
        OrderEndpoints.Map(app);
        OrderSearchEndpoints.Map(app);
        FeedbackEndpoints.Map(app);
        NotesEndpoints.Map(app);
        ItemEndpoints.Map(app);
        ShipmentEndpoints.Map(app);
        UserEndpoints.Map(app);
        Notifications.MissedFeedsEndpoints.Map(app);
        AdminEndpoints.Map(app);
        app.MapFallback((HttpContext context) => Common.MeliJson.Error(404, "not_found", $"Resource {context.Request.Path} not found."));
        return app;
    }
}
