using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using MeliFunctions.Tests.Operations;
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
        page.Console += (_, message) => { if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) problems.Add(message.Text); };
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

    private static string ArtifactsFolder()
    {
        var folder = Path.Combine(RepoPaths.Root, "TestResults");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
