using System.Net;
using System.Text;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Hosting;

/// <summary>Ids with a trailing newline or another control character are refused with a 4xx on every route, never a 500.</summary>
public sealed class ControlCharacterIdTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Theory]
    [InlineData("%0A")]
    [InlineData("%0D")]
    [InlineData("%09")]
    [InlineData("%0D%0A")]
    public async Task Every_route_refuses_an_id_ending_in_a_control_character_with_a_4xx(string tail)
    {
        var seller = await world.ConnectSellerAsync("CONTROL_" + tail.Replace("%", "", StringComparison.Ordinal));
        var item = (await world.Admin.CreateItemAsync(seller, "Yerba Mate 1kg", 3500m, 10)).GetProperty("id").GetString()!;
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);
        const string Json = "application/json";
        var calls = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Put, $"api/stock/{seller}/{item}{tail}", """{"available_quantity": 1}"""),
            (HttpMethod.Get, $"api/stock/{seller}/{item}{tail}", null),
            (HttpMethod.Put, $"api/stock/{seller}{tail}/{item}", """{"available_quantity": 1}"""),
            (HttpMethod.Post, $"api/stock/{seller}/{item}{tail}/adjustments", """{"delta": -1, "idempotency_key": "k-1"}"""),
            (HttpMethod.Post, $"api/admin/reconcile?seller={seller}{tail}", null),
            (HttpMethod.Get, $"api/admin/reconcile/last?seller={seller}{tail}", null),
            (HttpMethod.Post, $"api/admin/sweep?seller={seller}{tail}", null),
            (HttpMethod.Get, $"api/admin/sweep/abc{tail}", null),
            (HttpMethod.Post, $"api/admin/backfill/{seller}{tail}", null),
            (HttpMethod.Get, $"api/admin/backfill/{seller}{tail}", null),
            (HttpMethod.Get, $"api/admin/overview?seller={seller}{tail}", null),
            (HttpMethod.Post, $"api/admin/poison/0123456789abcdef{tail}/requeue", null),
            (HttpMethod.Get, $"api/orders/{orderId}{tail}", null),
            (HttpMethod.Get, $"api/orders?seller={seller}{tail}", null),
            (HttpMethod.Get, $"api/fraud-cases/{orderId}{tail}", null),
            (HttpMethod.Get, $"api/fraud-cases?seller={seller}{tail}", null),
            (HttpMethod.Put, $"api/orders/{orderId}/notes/abc123{tail}", """{"note": "x"}"""),
            (HttpMethod.Delete, $"api/orders/{orderId}/notes/abc123{tail}", null),
            (HttpMethod.Post, $"api/sellers/{seller}{tail}/blocked-buyers", """{"user_id": 42}"""),
            (HttpMethod.Get, $"api/sellers/{seller}{tail}/blocked-buyers", null),
            (HttpMethod.Delete, $"api/sellers/{seller}/blocked-buyers/42{tail}", null),
        };

        var answers = new List<string>();
        foreach (var (method, path, body) in calls)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Add("Idempotency-Key", "control-" + Guid.NewGuid().ToString("N"));
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, Json);
            }

            using var response = await world.Server.Management.SendAsync(request);
            answers.Add($"{method} {path} -> {(int)response.StatusCode}");
            Assert.True((int)response.StatusCode is >= 400 and < 500, string.Join("\n", answers) + "\n" + await response.Content.ReadAsStringAsync());
        }
    }
}
