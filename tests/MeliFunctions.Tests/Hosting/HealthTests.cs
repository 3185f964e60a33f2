using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using MeliFunctions.Hosting;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MeliFunctions.Tests.Hosting;

/// <summary>
/// The anonymous health probes say only healthy or not; the sellers' state (ids, reasons, counts)
/// answers only with the management key.
/// </summary>
public sealed class HealthTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task Anonymous_health_says_only_healthy_or_not_and_names_no_seller()
    {
        var seller = await world.ConnectSellerAsync("SALUD_DESCONECTADO");
        await world.Server.Storage.Table(StorageNames.SellersTable).UpdateEntityAsync(
            new TableEntity("seller", seller.ToString()) { ["Status"] = "disconnected", ["StatusReason"] = "refresh refused: invalid_grant" }, Azure.ETag.All);

        var ready = await world.Server.Http.GetAsync("api/health");
        var text = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using (var body = JsonDocument.Parse(text))
        {
            Assert.Equal(["checks", "status"], body.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
            Assert.Equal(["queues", "storage"], body.RootElement.GetProperty("checks").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.All(body.RootElement.GetProperty("checks").EnumerateObject(), c => Assert.Equal("healthy", c.Value.GetString()));
        }

        Assert.DoesNotContain(seller.ToString(), text, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid_grant", text, StringComparison.Ordinal);

        var live = await world.Server.Http.GetAsync("api/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("""{"status":"healthy"}""", await live.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_sellers_health_needs_the_key_and_shows_who_is_disconnected()
    {
        var seller = await world.ConnectSellerAsync("SALUD_CON_LLAVE");
        await world.Server.Storage.Table(StorageNames.SellersTable).UpdateEntityAsync(
            new TableEntity("seller", seller.ToString()) { ["Status"] = "disconnected", ["StatusReason"] = "refresh refused: invalid_grant" }, Azure.ETag.All);

        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Http.GetAsync("api/admin/health")).StatusCode);

        var health = await world.HealthAsync();
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Contains(health.GetProperty("sellers").GetProperty("disconnected").EnumerateArray(), s => s.GetProperty("seller_id").GetString() == seller.ToString());
        Assert.Equal(("reachable", "reachable"), (health.GetProperty("storage").GetString(), health.GetProperty("meli").GetString()));
    }

    [Fact]
    public async Task Mercado_Libre_unreachable_degrades_the_sellers_health_without_a_request()
    {
        // A loopback port nobody listens on any more: the connection is refused.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var check = new MeliReachableHealthCheck(Microsoft.Extensions.Options.Options.Create(new MeliFunctions.MercadoLibre.MeliOptions { ApiBaseUrl = new Uri($"http://127.0.0.1:{port}/") }));

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains($"127.0.0.1:{port} unreachable", result.Description);
    }

    [Fact]
    public async Task Every_health_answer_comes_from_registered_health_checks()
    {
        var health = world.Server.App.Services.GetRequiredService<HealthCheckService>();

        var ready = await health.CheckHealthAsync(HealthProbe.IsReadiness);
        var admin = await health.CheckHealthAsync(HealthProbe.IsAdmin);

        Assert.Equal(["queues", "storage"], ready.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["meli", "queue_depths", "sellers", "storage"], admin.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(HealthStatus.Healthy, admin.Entries["meli"].Status); // the sandbox's port accepts
        Assert.Equal(StorageNames.Queues.Order(StringComparer.Ordinal), admin.Entries["queue_depths"].Data.Keys.Order(StringComparer.Ordinal));
    }
}
