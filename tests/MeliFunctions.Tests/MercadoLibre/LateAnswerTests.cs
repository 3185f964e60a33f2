using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.MercadoLibre;

/// <summary>A Mercado Libre that does a POST at once and answers it after our timeout; the fraud flow cancels at once.</summary>
public sealed class LateAnswerWorld() : MeliWorld(new Dictionary<string, string?>
{
    ["Meli:RequestTimeout"] = "00:00:01",
    ["Fraud:MeliCancelWait"] = "00:05:00",
    ["Fraud:CancelConfirmWait"] = "00:05:00",
})
{
    /// <summary>POSTs, PUTs and DELETEs of the seller are done at once and answered 2.5 s later (the timeout is 1 s).</summary>
    public Task AnswerWritesLateAsync(long sellerId) =>
        Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = sellerId, ["late_write_answer_ms"] = 2500 });

    public async Task<List<JsonElement>> MeliCallsAsync(string method, string path) =>
        (await Admin.GetRequestsAsync(method, path)).EnumerateArray().Where(r => r.GetProperty("path").GetString() == path).ToList();

    public async Task<List<JsonElement>> NotesAtMeliAsync(long orderId) =>
        (await Admin.GetNotesAsync()).EnumerateArray().Where(n => n.GetProperty("order_id").GetInt64() == orderId).ToList();

    public async Task<List<JsonElement>> FeedbackAtMeliAsync(long orderId) =>
        (await Admin.GetFeedbackAsync()).EnumerateArray().Where(f => f.GetProperty("order_id").GetInt64() == orderId).ToList();

    public async Task<(HttpStatusCode Status, JsonObject Body)> ActionAsync(string path, JsonObject body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await Server.Management.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }
}

/// <summary>
/// A POST whose answer comes after our timeout is never sent again blindly: no retry of it in the
/// HTTP pipeline, and before posting again Mercado Libre is asked whether it was done.
/// </summary>
public sealed class LateAnswerTests(LateAnswerWorld world) : IClassFixture<LateAnswerWorld>
{
    [Fact]
    public async Task A_fraud_cancellation_MeLi_answers_late_reaches_MeLi_as_one_feedback_and_one_note()
    {
        var seller = await world.ConnectSellerAsync("RESPUESTA_TARDIA_FRAUDE");
        await world.AnswerWritesLateAsync(seller);
        var item = (await world.Admin.CreateItemAsync(seller, "Notebook 14 pulgadas", 899999.99m, 5)).GetProperty("id").GetString()!;
        // Custom shipping: MeLi does not cancel by itself, we cancel at once.
        var orderId = (await world.Admin.CreateOrderAsync(seller, item, shipping: "custom", fraud: true)).GetProperty("id").GetInt64();

        var fraudCase = await world.EventuallyAsync(
            async () => await world.Server.Management.GetAsync($"api/fraud-cases/{orderId}") is { IsSuccessStatusCode: true } found
                ? JsonNode.Parse(await found.Content.ReadAsStringAsync())!
                : new JsonObject(),
            c => c["state"]?.GetValue<string>() == "cancelled", "the fraud case cancelled", TimeSpan.FromSeconds(120));
        await world.WaitUntilQuietAsync();

        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        Assert.Single(await world.FeedbackAtMeliAsync(orderId));
        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/notes"));
        Assert.Single(await world.NotesAtMeliAsync(orderId));
        Assert.True(fraudCase["note_added"]!.GetValue<bool>());
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }

    [Fact]
    public async Task A_note_and_a_feedback_MeLi_answers_late_are_made_once_however_often_the_client_retries()
    {
        var seller = await world.ConnectSellerAsync("RESPUESTA_TARDIA_ACCION");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);
        await world.WaitUntilQuietAsync();
        await world.AnswerWritesLateAsync(seller);

        var note = new JsonObject { ["note"] = "Embalar con cuidado" };
        var feedback = new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = "Gracias por tu compra" };
        var noteAnswers = new List<HttpStatusCode>();
        var feedbackAnswers = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            noteAnswers.Add((await world.ActionAsync($"api/orders/{orderId}/notes", note, "note-late-1")).Status);
            feedbackAnswers.Add((await world.ActionAsync($"api/orders/{orderId}/feedback", feedback, "feedback-late-1")).Status);
        }

        Assert.Equal(HttpStatusCode.GatewayTimeout, noteAnswers[0]);
        Assert.Equal(HttpStatusCode.Created, noteAnswers[^1]);
        Assert.Equal(HttpStatusCode.Created, feedbackAnswers[^1]);
        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/notes"));
        Assert.Single(await world.NotesAtMeliAsync(orderId));
        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        Assert.Single(await world.FeedbackAtMeliAsync(orderId));
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }
}
