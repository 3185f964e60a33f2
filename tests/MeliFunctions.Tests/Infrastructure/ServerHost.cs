using MeliFunctions.Server;
using MeliFunctions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Infrastructure;

/// <summary>The Server host, in-process, on a free loopback port, over real HTTP.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    public const string ApiKey = "test-management-key";
    public const string AppId = "5503910054141466";
    public const string ClientSecret = "sandbox-client-secret";

    /// <summary>The tests' token sealing key (Tokens__Keys): an id and 64 hex digits.</summary>
    public const string TokenKeys = "test:6d656c6966756e6374696f6e732d746573742d746f6b656e2d6b65792d3031";

    private ServerHost(WebApplication app, Uri baseUrl)
    {
        App = app;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = baseUrl };
        Management = new HttpClient { BaseAddress = baseUrl };
        Management.DefaultRequestHeaders.Add("x-functions-key", ApiKey);
    }

    public WebApplication App { get; }

    public Uri BaseUrl { get; }

    /// <summary>Anonymous, as Mercado Libre calls the webhook.</summary>
    public HttpClient Http { get; }

    /// <summary>With the management key.</summary>
    public HttpClient Management { get; }

    public StorageClients Storage => App.Services.GetRequiredService<StorageClients>();

    public static async Task<ServerHost> StartAsync(
        string storageConnectionString, Uri? meliBaseUrl = null, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storageConnectionString,
            ["Meli:ApiBaseUrl"] = (meliBaseUrl ?? new Uri("http://127.0.0.1:9/")).ToString(),
            ["Meli:AuthBaseUrl"] = (meliBaseUrl ?? new Uri("http://127.0.0.1:9/")).ToString(),
            ["Meli:AppId"] = AppId,
            ["Meli:ClientSecret"] = ClientSecret,
            ["Server:ApiKey"] = ApiKey,
            ["Tokens:Keys"] = TokenKeys,
            // The worlds connect new sellers freely; the enrolment tests close it again.
            ["OAuth:OpenEnrolment"] = "true",
            ["Retry:BaseDelay"] = "00:00:00.200",
            ["Retry:MaxDelay"] = "00:00:01",
            ["Fraud:FirstRetryInterval"] = "00:00:00.200",
            ["Fraud:MaxRetryInterval"] = "00:00:01",
            ["Logging:LogLevel:Default"] = "Warning",
            // Tests are not paced by Mercado Libre's rate unless they say so (the budget tests do).
            ["Meli:RequestsPerSecondPerSeller"] = "1000",
            ["Meli:BurstPerSeller"] = "100",
            // Tests run the timer jobs through the admin routes, so a timer firing cannot add calls to what they count.
            ["Server:TimersEnabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var app = MeliServer.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(values);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new ServerHost(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Management.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
