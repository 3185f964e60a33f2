using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Orders;

/// <summary>Renders an order with the field set of MeLi's order JSON (seed 002, plus 004's context and cancel_detail).</summary>
internal static class OrderRenderer
{
    public static JsonObject Render(Order o, SandboxWorld world)
    {
        var seller = world.Users[o.SellerId];
        var buyer = world.Users[o.BuyerId];
        var visible = o.Status != "payment_required";
        var shipment = o.ShipmentId is { } sid && world.Shipments.TryGetValue(sid, out var s) ? s : null;
        var site = MeliJson.SiteOf(o.CurrencyId);

        var items = new JsonArray();
        foreach (var l in o.Lines)
        {
            items.Add(new JsonObject
            {
                ["item"] = new JsonObject
                {
                    ["id"] = l.ItemId,
                    ["title"] = l.Title,
                    ["category_id"] = l.CategoryId,
                    ["variation_id"] = l.VariationId,
                    ["seller_custom_field"] = null,
                    ["variation_attributes"] = l.VariationAttributes.DeepClone(),
                    ["warranty"] = l.Warranty,
                    ["condition"] = l.Condition,
                    ["seller_sku"] = l.SellerSku,
                },
                ["quantity"] = l.Quantity,
                ["requested_quantity"] = new JsonObject { ["measure"] = "unit", ["value"] = l.Quantity },
                ["unit_price"] = l.UnitPrice,
                ["full_unit_price"] = l.UnitPrice,
                ["currency_id"] = l.CurrencyId,
                ["manufacturing_days"] = null,
                ["sale_fee"] = l.SaleFee,
                ["listing_type_id"] = l.ListingTypeId,
                ["base_currency_id"] = null,
                ["base_exchange_rate"] = null,
                ["differential_pricing_id"] = null,
            });
        }

        var payments = new JsonArray();
        foreach (var p in o.Payments)
        {
            payments.Add(RenderPayment(p, o, site));
        }

        var paid = o.Payments.Where(p => p.Status == "approved").Sum(p => p.Amount);
        return new JsonObject
        {
            ["id"] = o.Id,
            ["date_created"] = MeliJson.Date(o.DateCreated),
            ["date_closed"] = MeliJson.Date(o.DateClosed),
            ["last_updated"] = MeliJson.Date(o.LastUpdated),
            ["manufacturing_ending_date"] = null,
            ["comment"] = null,
            ["comments"] = null,
            ["pack_id"] = o.PackId,
            ["pickup_id"] = null,
            ["order_request"] = new JsonObject { ["return"] = null, ["change"] = null },
            ["fulfilled"] = o.Fulfilled,
            ["mediations"] = new JsonArray(),
            ["total_amount"] = o.TotalAmount,
            ["paid_amount"] = paid,
            ["coupon"] = new JsonObject { ["id"] = o.CouponId, ["amount"] = o.CouponAmount },
            ["expiration_date"] = MeliJson.Date(o.ExpirationDate),
            ["order_items"] = items,
            ["currency_id"] = o.CurrencyId,
            ["payments"] = payments,
            ["shipping"] = new JsonObject { ["id"] = shipment?.Id },
            ["shipping_cost"] = null,
            ["status"] = o.Status,
            ["status_detail"] = o.StatusDetail?.DeepClone(),
            ["tags"] = Tags(o, shipment),
            ["internal_tags"] = new JsonArray(),
            ["feedback"] = new JsonObject
            {
                ["sale"] = o.SaleFeedback is { } f ? new JsonObject { ["id"] = f.Id, ["fulfilled"] = f.Fulfilled, ["rating"] = f.Rating, ["status"] = "active" } : null,
                ["purchase"] = null,
            },
            ["context"] = new JsonObject { ["channel"] = "marketplace", ["site"] = site, ["flows"] = new JsonArray() },
            ["buyer"] = visible ? FullUser(buyer) : new JsonObject { ["id"] = buyer.Id, ["nickname"] = buyer.Nickname },
            ["seller"] = FullUser(seller),
            ["taxes"] = new JsonObject { ["amount"] = o.TaxesAmount, ["currency_id"] = o.TaxesCurrencyId, ["id"] = null },
            ["cancel_detail"] = o.Cancel is { } c ? new JsonObject
            {
                ["group"] = c.Group,
                ["code"] = c.Code,
                ["description"] = c.Description,
                ["requested_by"] = c.RequestedBy,
                ["date"] = MeliJson.Date(c.Date),
                ["application_id"] = c.ApplicationId,
            } : null,
            ["application_id"] = null,
            ["buying_mode"] = "buy_equals_pay",
            ["hidden_for_seller"] = false,
        };
    }

    public static JsonArray Tags(Order o, Shipment? shipment)
    {
        var tags = new JsonArray();
        if (o.Status == "paid")
        {
            tags.Add("paid");
        }

        if (o.Status is "paid" or "confirmed")
        {
            tags.Add(shipment?.Status == "delivered" ? "delivered" : "not_delivered");
        }
        if (o.NoShipping)
        {
            tags.Add("no_shipping");
        }

        if (o.PackId is not null)
        {
            tags.Add("pack_order");
        }

        if (o.Fraud)
        {
            tags.Add("fraud_risk_detected");
        }

        foreach (var t in o.ExtraTags)
        {
            tags.Add(t);
        }

        return tags;
    }

    private static JsonObject FullUser(User u) => new()
    {
        ["id"] = u.Id,
        ["nickname"] = u.Nickname,
        ["email"] = u.Email,
        ["first_name"] = u.FirstName,
        ["last_name"] = u.LastName,
        ["phone"] = new JsonObject { ["area_code"] = "11", ["extension"] = "", ["number"] = "12345678", ["verified"] = false },
        ["alternative_phone"] = new JsonObject { ["area_code"] = "", ["extension"] = "", ["number"] = "" },
    };

    private static JsonObject RenderPayment(Payment p, Order o, string site) => new()
    {
        ["id"] = p.Id,
        ["order_id"] = o.Id,
        ["payer_id"] = o.BuyerId,
        ["collector"] = new JsonObject { ["id"] = o.SellerId },
        ["card_id"] = p.CardId,
        ["site_id"] = site,
        ["reason"] = o.Lines[0].Title,
        ["payment_method_id"] = "master",
        ["currency_id"] = p.CurrencyId,
        ["installments"] = 1,
        ["issuer_id"] = "24",
        ["atm_transfer_reference"] = new JsonObject { ["company_id"] = null, ["transaction_id"] = p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ["coupon_id"] = null,
        ["activation_uri"] = null,
        ["operation_type"] = "regular_payment",
        ["payment_type"] = "credit_card",
        ["available_actions"] = p.Status == "approved" ? new JsonArray("refund") : new JsonArray(),
        ["status"] = p.Status,
        ["status_code"] = null,
        ["status_detail"] = p.StatusDetail,
        ["transaction_amount"] = p.Amount,
        ["taxes_amount"] = p.TaxesAmount,
        ["shipping_cost"] = 0,
        ["coupon_amount"] = 0,
        ["overpaid_amount"] = 0,
        ["total_paid_amount"] = p.Amount,
        ["installment_amount"] = p.Amount,
        ["deferred_period"] = null,
        ["date_approved"] = MeliJson.Date(p.DateApproved),
        ["authorization_code"] = p.AuthorizationCode,
        ["transaction_order_id"] = null,
        ["date_created"] = MeliJson.Date(p.DateCreated),
        ["date_last_modified"] = MeliJson.Date(p.DateLastModified),
        ["marketplace_fee"] = o.Lines.Sum(l => l.SaleFee * l.Quantity),
    };
}
