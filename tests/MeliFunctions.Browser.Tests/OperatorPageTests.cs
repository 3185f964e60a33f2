using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using MeliFunctions.Tests.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace MeliFunctions.Browser.Tests;

/// <summary>
/// The operator's page in headless Chromium: it asks for the key, shows an order the test created
/// through the sandbox, and its requeue button moves a poison message back to <c>meli-notifications</c>.
/// </summary>
public sealed class OperatorPageTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task The_page_shows_a_new_order_and_requeues_a_poison_message()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_PAGINA");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);
        var parkedOrder = await world.CreateUnnotifiedOrderAsync(seller, "Casco Ciclismo Talle M");
        await world.ParkNotificationAsync(seller, parkedOrder, "gave up after 5 attempts: MeLi answered 503", "retries_exhausted");
        Assert.Equal(1, await world.DepthAsync(StorageNames.NotificationsPoisonQueue));

        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        var problems = new List<string>();
        // Script errors only: the browser also logs each non-2xx fetch (the optional fraud list's 404) as a console error.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                problems.Add(message.Text);
            }
        };
        page.PageError += (_, error) => problems.Add(error);

        await page.GotoAsync(world.Server.BaseUrl.ToString());
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("management key");

        await page.FillAsync("#key", ServerHost.ApiKey);
        await page.ClickAsync("#refresh");

        // The order the sandbox notified, in the newest orders; the seller with a valid token.
        var row = page.Locator($"tr[data-order-id='{orderId}']");
        await Assertions.Expect(row).ToContainTextAsync("Zapatillas Running Talle 42");
        await Assertions.Expect(row).ToContainTextAsync("paid");
        await Assertions.Expect(page.Locator("[data-testid=sellers]")).ToContainTextAsync(seller.ToString());
        await Assertions.Expect(page.Locator("[data-testid=sellers]")).ToContainTextAsync("valid");
        await Assertions.Expect(page.Locator("[data-testid=orders-per-hour] rect.bar[data-count='1']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=fraud]")).ToContainTextAsync("None");
        await Assertions.Expect(page.Locator("[data-testid=reconcile]")).ToContainTextAsync("No reconcile has run");

        var poisonRow = page.Locator("[data-testid=poison] tr[data-message-id]");
        await Assertions.Expect(poisonRow).ToHaveCountAsync(1);
        await Assertions.Expect(poisonRow).ToContainTextAsync("gave up after 5 attempts");
        await Assertions.Expect(poisonRow).ToContainTextAsync($"/orders/{parkedOrder}");
        await Assertions.Expect(page.Locator("[data-testid='depth-meli-notifications-poison']")).ToHaveTextAsync("1");

        var screenshot = Path.Combine(ArtifactsFolder(), "operator-page.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });

        await poisonRow.Locator("[data-testid=requeue]").ClickAsync();

        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("requeued to meli-notifications");
        await Assertions.Expect(page.Locator("[data-testid=poison]")).ToContainTextAsync("None.");
        await Assertions.Expect(page.Locator("[data-testid='depth-meli-notifications-poison']")).ToHaveTextAsync("0");
        Assert.Equal(0, await world.DepthAsync(StorageNames.NotificationsPoisonQueue));
        // Back on meli-notifications with its original text: the pump syncs the order MeLi never notified.
        await world.WaitForStoredOrderAsync(parkedOrder);
        await page.ClickAsync("#refresh");
        await Assertions.Expect(page.Locator($"tr[data-order-id='{parkedOrder}']")).ToContainTextAsync("Casco Ciclismo Talle M");

        Assert.Empty(problems);
    }

    [Fact]
    public async Task Links_that_name_another_API_address_send_nothing_to_it_and_the_key_stays_in_the_tab()
    {
        await world.ConnectSellerAsync("TIENDA_ENLACE");
        // Another origin on loopback that would answer anything, CORS preflights included: what a page that followed ?api= would call.
        await using var elsewhere = await Elsewhere.StartAsync();

        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                problems.Add(message.Text);
            }
        };
        page.PageError += (_, error) => problems.Add(error);

        var first = await page.GotoAsync(world.Server.BaseUrl.ToString());
        var headers = await first!.AllHeadersAsync();
        Assert.Contains("default-src 'self'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        Assert.Equal("no-referrer", headers["referrer-policy"]);

        await page.FillAsync("#key", ServerHost.ApiKey);
        await page.ClickAsync("#refresh");
        await Assertions.Expect(page.Locator("[data-testid=sellers]")).ToContainTextAsync("valid");

        var other = elsewhere.BaseUrl.ToString().TrimEnd('/');
        foreach (var link in new[] { $"?api={Uri.EscapeDataString(other)}", $"#api={Uri.EscapeDataString(other)}", $"?api={Uri.EscapeDataString(other)}#api={Uri.EscapeDataString(other)}" })
        {
            await page.GotoAsync(new Uri(world.Server.BaseUrl, "/" + link).ToString());
            await page.EvaluateAsync("() => { delete document.body.dataset.loaded; }");
            await page.ClickAsync("#refresh");
            await Assertions.Expect(page.Locator("body[data-loaded]")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-testid=sellers]")).ToContainTextAsync("valid");
        }

        // An address an older page left in localStorage is not read either.
        await page.EvaluateAsync($"() => localStorage.setItem('meli.api', '{other}')");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("body[data-loaded]")).ToHaveCountAsync(1);
        await page.EvaluateAsync("() => localStorage.removeItem('meli.api')");

        Assert.Empty(elsewhere.Requests);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.Equal(ServerHost.ApiKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('meli.key')"));
        Assert.Empty(problems);
    }

    private static string ArtifactsFolder()
    {
        var folder = Path.Combine(RepoPaths.Root, "TestResults");
        Directory.CreateDirectory(folder);
        return folder;
    }
}

/// <summary>A second origin on loopback that answers every request (CORS preflights too) and records it.</summary>
internal sealed class Elsewhere : IAsyncDisposable
{
    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;

    private Elsewhere(Microsoft.AspNetCore.Builder.WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<Elsewhere> StartAsync()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        Elsewhere? self = null;
        ((IApplicationBuilder)app).Run(async context =>
        {
            self?.Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} key={context.Request.Headers["x-functions-key"]}");
            context.Response.Headers.AccessControlAllowOrigin = "*";
            context.Response.Headers.AccessControlAllowHeaders = "*";
            context.Response.Headers.AccessControlAllowMethods = "*";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{}");
        });
        await app.StartAsync();
        self = new Elsewhere(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
