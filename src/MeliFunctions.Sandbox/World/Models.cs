using System.Text.Json.Nodes;

namespace MeliFunctions.Sandbox.World;

/// <summary>A MeLi user: a seller (can log in) or a buyer.</summary>
internal sealed class User
{
    public required long Id { get; init; }
    public required string Nickname { get; init; }
    public bool IsSeller { get; init; }
    public string FirstName { get; init; } = "Test";
    public string LastName { get; init; } = "User";
    public string Email => $"{Nickname.ToLowerInvariant()}@testuser.com";
}

internal sealed class Variation
{
    public required long Id { get; init; }
    public int AvailableQuantity { get; set; }
    public int SoldQuantity { get; set; }
    public decimal Price { get; set; }
    public JsonArray AttributeCombinations { get; init; } = [];
    public string? SellerCustomField { get; init; }
}

internal sealed class Item
{
    public required string Id { get; init; }
    public required long SellerId { get; init; }
    public required string Title { get; set; }
    public decimal Price { get; set; }
    public string CurrencyId { get; init; } = "ARS";
    public string SiteId { get; init; } = "MLA";
    public string CategoryId { get; init; } = "MLA3530";
    public string ListingTypeId { get; init; } = "gold_special";
    public string Condition { get; init; } = "new";
    public string? Warranty { get; init; }
    public string? SellerSku { get; init; }
    public string? SellerCustomField { get; init; }
    public int OwnQuantity { get; set; }
    public int OwnSoldQuantity { get; set; }
    public string Status { get; set; } = "active";
    public List<string> SubStatus { get; } = [];
    public List<Variation> Variations { get; } = [];
    public DateTimeOffset DateCreated { get; init; }
    public DateTimeOffset LastUpdated { get; set; }

    public int AvailableQuantity => Variations.Count > 0 ? Variations.Sum(v => v.AvailableQuantity) : OwnQuantity;
    public int SoldQuantity => Variations.Count > 0 ? Variations.Sum(v => v.SoldQuantity) : OwnSoldQuantity;
}

internal sealed class OrderLine
{
    public required string ItemId { get; init; }
    public long? VariationId { get; init; }
    public required int Quantity { get; init; }
    public required decimal UnitPrice { get; init; }
    public required string Title { get; init; }
    public required string CategoryId { get; init; }
    public required string CurrencyId { get; init; }
    public required string ListingTypeId { get; init; }
    public string? SellerSku { get; init; }
    public string? Warranty { get; init; }
    public string Condition { get; init; } = "new";
    public JsonArray VariationAttributes { get; init; } = [];
    public decimal SaleFee => Math.Round(UnitPrice * 0.11m, 2);
}

internal sealed class Payment
{
    public required long Id { get; init; }
    public required string Status { get; set; }
    public required string StatusDetail { get; set; }
    public required decimal Amount { get; init; }
    public required string CurrencyId { get; init; }
    public required DateTimeOffset DateCreated { get; init; }
    public DateTimeOffset? DateApproved { get; set; }
    public DateTimeOffset DateLastModified { get; set; }
    public decimal TaxesAmount { get; init; }
    public string AuthorizationCode { get; init; } = "008877";
    public long CardId { get; init; }
}

internal sealed class CancelDetail
{
    public required string Group { get; init; }
    public required string Code { get; init; }
    public required string Description { get; init; }
    public required string RequestedBy { get; init; }
    public required DateTimeOffset Date { get; init; }
    public string? ApplicationId { get; init; }
}

internal sealed class Feedback
{
    public required long Id { get; init; }
    public required long OrderId { get; init; }
    public required long SellerId { get; init; }
    public required bool Fulfilled { get; init; }
    public string? Rating { get; init; }
    public string? Message { get; init; }
    public string? Reason { get; init; }
    public bool? RestockItem { get; init; }
    public required DateTimeOffset DateCreated { get; init; }
}

internal sealed class Order
{
    public required long Id { get; init; }
    public required long SellerId { get; init; }
    public required long BuyerId { get; init; }
    public required List<OrderLine> Lines { get; init; }
    public required string CurrencyId { get; init; }
    public string Status { get; set; } = "paid";
    public JsonNode? StatusDetail { get; set; }
    public required DateTimeOffset DateCreated { get; init; }
    public DateTimeOffset? DateClosed { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    public DateTimeOffset? ExpirationDate { get; set; }
    public List<Payment> Payments { get; } = [];
    public long? ShipmentId { get; set; }
    public long? PackId { get; set; }
    public bool NoShipping { get; set; }
    public bool Fraud { get; set; }
    public bool StockTaken { get; set; }
    public bool? Fulfilled { get; set; }
    public CancelDetail? Cancel { get; set; }
    public Feedback? SaleFeedback { get; set; }
    public decimal? TaxesAmount { get; set; }
    public string? TaxesCurrencyId { get; set; }
    public string? CouponId { get; set; }
    public decimal CouponAmount { get; set; }
    public List<string> ExtraTags { get; } = [];

    /// <summary>The order as it was rendered before the last change, and when that change happened (stale reads).</summary>
    public JsonObject? Previous { get; set; }
    public DateTimeOffset ChangedAt { get; set; }

    public decimal TotalAmount => Lines.Sum(l => l.UnitPrice * l.Quantity);
}

internal sealed class Shipment
{
    public required long Id { get; init; }
    public required long SellerId { get; init; }
    public required long BuyerId { get; init; }
    public List<long> OrderIds { get; } = [];
    public required string Mode { get; init; }
    public required string LogisticType { get; init; }
    public string Status { get; set; } = "pending";
    public string? Substatus { get; set; }
    public string? TrackingNumber { get; set; }
    public string? TrackingMethod { get; set; }
    public decimal Cost { get; init; }
    public required string CurrencyId { get; init; }
    public required string SiteId { get; init; }
    public required DateTimeOffset DateCreated { get; init; }
    public DateTimeOffset LastUpdated { get; set; }
    public DateTimeOffset? DateReadyToShip { get; set; }
    public DateTimeOffset? DateShipped { get; set; }
    public DateTimeOffset? DateDelivered { get; set; }
    public DateTimeOffset? DateCancelled { get; set; }
    public DateTimeOffset? DateReturned { get; set; }

    public bool IsMercadoEnvios => Mode == "me2";
    public bool LabelPrinted => Status is "shipped" or "delivered" or "not_delivered" || (Status == "ready_to_ship" && Substatus is "printed" or "picked_up" or "in_hub");
    public bool GoodsLeft => Status is "shipped" or "delivered" or "not_delivered";
}

internal sealed class Pack
{
    public required long Id { get; init; }
    public required long SellerId { get; init; }
    public required long BuyerId { get; init; }
    public long? ShipmentId { get; init; }
    public List<long> OrderIds { get; } = [];
    public required DateTimeOffset DateCreated { get; init; }
}

internal sealed class Note
{
    public required string Id { get; init; }
    public required long OrderId { get; init; }
    public required string Text { get; set; }
    public required DateTimeOffset DateCreated { get; init; }
    public DateTimeOffset DateLastUpdated { get; set; }
    public bool Deleted { get; set; }
}

internal sealed record StockUpdate(string ItemId, long? VariationId, long SellerId, int Before, int After, string Source, DateTimeOffset Date);

internal sealed record BlacklistEntry(long SellerId, long UserId, DateTimeOffset Date, bool Removed);
