using System.Net;
using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using MeliFunctions.SellerActions;

namespace MeliFunctions.Tests.SellerActions;

/// <summary>The pure decisions: what feedback may go to MeLi, and how MeLi's errors are answered.</summary>
public sealed class SellerActionRulesTests
{
    [Fact]
    public void Feedback_body_sent_to_MeLi_keeps_only_what_applies()
    {
        var (sale, _, _) = FeedbackRules.Validate(new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = "ok" });
        var (cancel, _, _) = FeedbackRules.Validate(new JsonObject
        {
            ["fulfilled"] = false,
            ["rating"] = "neutral",
            ["message"] = "sorry",
            ["reason"] = "OUT_OF_STOCK",
            ["restock_item"] = true,
            ["extra"] = 1,
        });

        Assert.Equal("{\"fulfilled\":true,\"rating\":\"positive\",\"message\":\"ok\"}", sale!.ToJsonString());
        Assert.Equal("{\"fulfilled\":false,\"rating\":\"neutral\",\"message\":\"sorry\",\"reason\":\"OUT_OF_STOCK\",\"restock_item\":true}", cancel!.ToJsonString());
    }

    [Fact]
    public void A_message_of_160_characters_passes_and_161_does_not()
    {
        Assert.NotNull(FeedbackRules.Validate(new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = new string('m', 160) }).Body);
        Assert.Equal("invalid_message", FeedbackRules.Validate(new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = new string('m', 161) }).Error);
    }

    [Theory]
    [InlineData(400, "invalid_fulfilled", 400, "invalid_fulfilled", false)]
    [InlineData(400, "not_fulfilled_feedback_in_order_expired", 400, "not_fulfilled_feedback_in_order_expired", false)]
    [InlineData(400, "reply_time_expired", 400, "reply_time_expired", false)]
    [InlineData(400, "reply_already_exists", 400, "reply_already_exists", false)]
    [InlineData(403, "not_owned_order", 403, "not_owned_order", false)]
    [InlineData(404, "order_not_found", 404, "order_not_found", false)]
    [InlineData(429, "too_many_requests", 429, "too_many_requests", true)]
    [InlineData(500, "internal_error", 502, "meli_unavailable", true)]
    [InlineData(503, "service_unavailable", 502, "meli_unavailable", true)]
    public void MeLi_errors_keep_their_4xx_and_code_and_5xx_become_a_retryable_502(int meliStatus, string meliCode, int status, string code, bool retryable)
    {
        var ex = MeliApiException.FromResponse((HttpStatusCode)meliStatus, $"{{\"message\":\"m\",\"error\":\"{meliCode}\",\"status\":{meliStatus},\"cause\":[]}}");

        var (response, keep) = MeliErrors.ToResponse(ex);

        var body = JsonNode.Parse(response.JsonBody!)!;
        Assert.Equal((status, code, retryable, !retryable), (response.StatusCode, (string?)body["error"], (bool)body["retryable"]!, keep));
        Assert.Equal((meliStatus, meliCode), ((int)body["meli"]!["status"]!, (string?)body["meli"]!["body"]!["error"]));
    }

    [Fact]
    public void A_timeout_is_a_504_and_a_disconnected_seller_a_409_and_both_release_the_key()
    {
        var (timeout, keepTimeout) = MeliErrors.ToResponse(new MeliApiException(MeliErrorKind.Transient, 0, "timeout", "slow"));
        var (gone, keepGone) = MeliErrors.ToResponse(new MeliApiException(MeliErrorKind.SellerDisconnected, 0, "seller_disconnected", "reconnect"));

        Assert.Equal((504, false), (timeout.StatusCode, keepTimeout));
        Assert.Equal((409, false), (gone.StatusCode, keepGone));
        Assert.Equal("seller_disconnected", (string?)JsonNode.Parse(gone.JsonBody!)!["error"]);
    }

    [Fact]
    public void Automatic_feedback_is_off_unless_configured_and_waits_for_delivered_without_feedback()
    {
        Assert.False(new SellerActionsOptions().AutoFeedbackOnDelivered);
        Assert.True(AutoFeedbackObserver.IsDeliveredWithoutFeedback(Order("paid", ["paid", "delivered"], sale: null)));
        Assert.False(AutoFeedbackObserver.IsDeliveredWithoutFeedback(Order("paid", ["paid", "not_delivered"], sale: null)));
        Assert.False(AutoFeedbackObserver.IsDeliveredWithoutFeedback(Order("paid", ["paid", "delivered"], sale: new JsonObject { ["id"] = 1 })));
        Assert.False(AutoFeedbackObserver.IsDeliveredWithoutFeedback(Order("cancelled", ["delivered"], sale: null)));
    }

    private static JsonObject Order(string status, string[] tags, JsonObject? sale) => new()
    {
        ["status"] = status,
        ["tags"] = new JsonArray(tags.Select(t => (JsonNode)t).ToArray()),
        ["feedback"] = new JsonObject { ["sale"] = sale, ["purchase"] = null },
    };
}
