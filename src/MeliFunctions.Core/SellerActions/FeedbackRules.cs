using System.Text.Json.Nodes;

namespace MeliFunctions.SellerActions;

/// <summary>What Mercado Libre accepts as a seller's feedback, checked before calling it.</summary>
public static class FeedbackRules
{
    public const int MaxMessageLength = 160;

    public static IReadOnlyList<string> Ratings { get; } = ["positive", "neutral", "negative"];

    /// <summary>Reasons MeLi documents for <c>fulfilled:false</c> (the seller cancels the sale).</summary>
    public static IReadOnlyList<string> Reasons { get; } =
    [
        "OUT_OF_STOCK", "BUYER_NOT_ENOUGH_MONEY", "BUYER_REGRETS", "SELLER_REGRETS",
        "BUYER_DID_NOT_ANSWER", "DUBIOUS_BUYER", "UNAVAILABLE_PRODUCT", "WRONG_RECEIVER_ADDRESS",
    ];

    /// <summary>
    /// Checks <c>{"fulfilled", "rating", "message", "reason", "restock_item"}</c> and builds the body for
    /// <c>POST /orders/{id}/feedback</c>; or answers why it cannot go (an error code and a reason).
    /// </summary>
    public static (JsonObject? Body, string? Error, string? Message) Validate(JsonObject request)
    {
        if (request["fulfilled"] is not JsonValue f || !f.TryGetValue<bool>(out var fulfilled))
        {
            return Refuse("invalid_fulfilled", "fulfilled must be true or false (a JSON boolean, without quotes).");
        }

        if (request["rating"] is not JsonValue r || !r.TryGetValue<string>(out var rating) || !Ratings.Contains(rating))
        {
            return Refuse("invalid_rating", $"rating must be one of {string.Join(", ", Ratings)}.");
        }

        if (request["message"] is not JsonValue m || !m.TryGetValue<string>(out var message) || string.IsNullOrWhiteSpace(message))
        {
            return Refuse("invalid_message", "message is required: a text for the buyer.");
        }

        if (message.Length > MaxMessageLength)
        {
            return Refuse("invalid_message", $"message has {message.Length} characters; Mercado Libre takes {MaxMessageLength} at most.");
        }

        string? reason = null;
        if (request["reason"] is { } reasonNode)
        {
            if (reasonNode is not JsonValue rv || !rv.TryGetValue(out reason))
            {
                return Refuse("invalid_reason", "reason must be a text.");
            }
        }

        bool? restock = null;
        if (request["restock_item"] is { } restockNode)
        {
            if (restockNode is not JsonValue sv || !sv.TryGetValue<bool>(out var s))
            {
                return Refuse("invalid_restock_item", "restock_item must be true or false.");
            }

            restock = s;
        }

        if (fulfilled)
        {
            if (reason is not null || restock is not null)
            {
                return Refuse("invalid_reason", "reason and restock_item apply only when fulfilled is false (the sale did not happen).");
            }
        }
        else if (string.IsNullOrWhiteSpace(reason) || !Reasons.Contains(reason))
        {
            return Refuse("invalid_reason", $"fulfilled:false needs a reason, one of {string.Join(", ", Reasons)}.");
        }

        var body = new JsonObject { ["fulfilled"] = fulfilled, ["rating"] = rating, ["message"] = message };
        if (!fulfilled)
        {
            body["reason"] = reason;
            if (restock is not null)
            {
                body["restock_item"] = restock;
            }
        }

        return (body, null, null);
    }

    private static (JsonObject? Body, string? Error, string? Message) Refuse(string error, string message) => (null, error, message);
}
