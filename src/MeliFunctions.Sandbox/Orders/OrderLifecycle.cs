using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.Items;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Orders;

/// <summary>
/// What happens to orders on Mercado Libre's side: creation, payment, shipping, cancellation, fraud.
/// Every change bumps last_updated and sends the notifications MeLi sends. Callers hold the world lock.
/// </summary>
internal sealed class OrderLifecycle(SandboxWorld world)
{
    public static IEnumerable<string> Actions => ActionsByName.Keys;

    private static readonly TimeSpan ExpirationAfterClose = TimeSpan.FromDays(28);

    /// <summary>Remembers the rendered order before a change (stale reads) and when the change happened.</summary>
    private void BeginChange(Order o)
    {
        o.Previous = OrderRenderer.Render(o, world);
        o.ChangedAt = world.Now;
    }

    private void EndChange(Order o, bool notify = true)
    {
        o.LastUpdated = world.NextStamp(o.LastUpdated);
        if (notify)
        {
            world.Notify("orders_v2", $"/orders/{o.Id}", o.SellerId);
        }
    }

    private void ShipmentChanged(Shipment s)
    {
        s.LastUpdated = world.NextStamp(s.LastUpdated);
        world.Notify("shipments", $"/shipments/{s.Id}", s.SellerId);
    }

    private Shipment? ShipmentOf(Order o) => o.ShipmentId is { } id && world.Shipments.TryGetValue(id, out var s) ? s : null;

    public ApiOutcome Create(JsonObject body)
    {
        var now = world.Now;
        if (MeliJson.Long(body["seller_id"]) is not { } sellerId || !world.Users.TryGetValue(sellerId, out var seller) || !seller.IsSeller)
        {
            return ApiOutcome.Fail(400, "bad_request", "seller_id must be an existing seller");
        }
        var status = MeliJson.String(body["status"]) ?? "paid";
        if (status is not ("paid" or "payment_required" or "confirmed"))
        {
            return ApiOutcome.Fail(400, "bad_request", "status must be paid, payment_required or confirmed");
        }
        var shipping = MeliJson.String(body["shipping"]) ?? "me2";
        if (shipping is not ("me2" or "custom" or "fulfillment" or "none"))
        {
            return ApiOutcome.Fail(400, "bad_request", "shipping must be me2, custom, fulfillment or none");
        }
        var logisticType = MeliJson.String(body["logistic_type"]);
        if (logisticType is not null && logisticType is not ("drop_off" or "xd_drop_off" or "cross_docking" or "fulfillment" or "self_service"))
        {
            return ApiOutcome.Fail(400, "bad_request", "logistic_type must be drop_off, xd_drop_off, cross_docking, fulfillment or self_service");
        }
        if (body["items"] is not JsonArray itemNodes || itemNodes.Count == 0)
        {
            return ApiOutcome.Fail(400, "bad_request", "items must be a non-empty array");
        }

        var lines = new List<(Item Item, Variation? Variation, int Quantity)>();
        foreach (var node in itemNodes)
        {
            var itemId = MeliJson.String(node?["item_id"]);
            if (itemId is null || !world.Items.TryGetValue(itemId, out var item) || item.SellerId != sellerId)
            {
                return ApiOutcome.Fail(400, "bad_request", $"item {itemId} is not a listing of seller {sellerId}");
            }
            if (item.Status != "active")
            {
                return ApiOutcome.Fail(400, "bad_request", $"item {item.Id} is {item.Status}");
            }
            var quantity = MeliJson.Int(node?["quantity"]) ?? 1;
            if (quantity <= 0)
            {
                return ApiOutcome.Fail(400, "bad_request", "quantity must be positive");
            }

            Variation? variation = null;
            var variationId = MeliJson.Long(node?["variation_id"]);
            if (item.Variations.Count > 0)
            {
                variation = variationId is { } vid ? item.Variations.FirstOrDefault(v => v.Id == vid) : null;
                if (variation is null)
                {
                    return ApiOutcome.Fail(400, "bad_request", $"item {item.Id} has variations: variation_id must be one of them");
                }
            }
            else if (variationId is not null)
            {
                return ApiOutcome.Fail(400, "bad_request", $"item {item.Id} has no variations");
            }
            lines.Add((item, variation, quantity));
        }

        var takesStock = status != "payment_required";
        if (takesStock)
        {
            foreach (var g in lines.GroupBy(l => (l.Item.Id, l.Variation?.Id)))
            {
                var first = g.First();
                if (g.Sum(l => l.Quantity) > Stock.Available(first.Item, first.Variation?.Id))
                {
                    return ApiOutcome.Fail(400, "bad_request", $"not enough stock for item {first.Item.Id}");
                }
            }
        }

        var buyerNode = body["buyer"] as JsonObject;
        User buyer;
        if (MeliJson.Long(buyerNode?["id"]) is { } buyerId && world.Users.TryGetValue(buyerId, out var existing))
        {
            buyer = existing;
        }
        else
        {
            var nickname = MeliJson.String(buyerNode?["nickname"]) ?? $"TESTBUYER{world.Users.Count + 1}";
            buyer = world.Users.Values.FirstOrDefault(u => !u.IsSeller && u.Nickname == nickname)
                ?? world.AddUser(MeliJson.Long(buyerNode?["id"]), nickname, seller: false);
        }
        if (world.Blacklist.Any(b => !b.Removed && b.SellerId == sellerId && b.UserId == buyer.Id))
        {
            return ApiOutcome.Fail(400, "bad_request", $"buyer {buyer.Id} is in the order blacklist of seller {sellerId}");
        }

        var currency = MeliJson.String(body["currency_id"]) ?? lines[0].Item.CurrencyId;
        var taxes = body["taxes"] as JsonObject;
        var coupon = body["coupon"] as JsonObject;
        var shippingCost = MeliJson.Decimal(body["shipping_cost"]) ?? 0m;
        var pack = MeliJson.Bool(body["pack"]) ?? false;
        var fraud = MeliJson.Bool(body["fraud"]) ?? false;
        var notify = MeliJson.Bool(body["notify"]) ?? true;

        Shipment? shipment = null;
        if (shipping != "none")
        {
            shipment = new Shipment
            {
                Id = world.Ids.NextShipment(),
                SellerId = sellerId,
                BuyerId = buyer.Id,
                Mode = shipping == "custom" ? "custom" : "me2",
                LogisticType = shipping switch
                {
                    "fulfillment" => "fulfillment",
                    "custom" => "default",
                    _ => logisticType ?? "drop_off",
                },
                Cost = shippingCost,
                CurrencyId = currency,
                SiteId = MeliJson.SiteOf(currency),
                DateCreated = now,
                LastUpdated = now,
            };
            world.Shipments[shipment.Id] = shipment;
        }

        var groups = pack ? lines.Select(l => new[] { l }).ToList() : [lines.ToArray()];
        Pack? newPack = pack ? new Pack { Id = world.Ids.NextPack(), SellerId = sellerId, BuyerId = buyer.Id, ShipmentId = shipment?.Id, DateCreated = now } : null;
        var orders = new List<Order>();
        foreach (var group in groups)
        {
            var order = new Order
            {
                Id = world.Ids.NextOrder(),
                SellerId = sellerId,
                BuyerId = buyer.Id,
                CurrencyId = currency,
                Status = status,
                DateCreated = now,
                LastUpdated = now,
                ShipmentId = shipment?.Id,
                PackId = newPack?.Id,
                NoShipping = shipment is null,
                Fraud = fraud,
                TaxesAmount = MeliJson.Decimal(taxes?["amount"]),
                TaxesCurrencyId = taxes is null ? null : MeliJson.String(taxes["currency_id"]) ?? currency,
                CouponId = MeliJson.String(coupon?["id"]) ?? MeliJson.Long(coupon?["id"])?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                CouponAmount = MeliJson.Decimal(coupon?["amount"]) ?? 0m,
                Lines = group.Select(l => new OrderLine
                {
                    ItemId = l.Item.Id,
                    VariationId = l.Variation?.Id,
                    Quantity = l.Quantity,
                    UnitPrice = l.Variation?.Price ?? l.Item.Price,
                    Title = l.Item.Title,
                    CategoryId = l.Item.CategoryId,
                    CurrencyId = currency,
                    ListingTypeId = l.Item.ListingTypeId,
                    SellerSku = l.Item.SellerSku,
                    Warranty = l.Item.Warranty,
                    Condition = l.Item.Condition,
                    VariationAttributes = VariationAttributes(l.Variation),
                }).ToList(),
            };
            if (status == "payment_required")
            {
                order.Payments.Add(NewPayment(order, "in_process", "pending_contingency", approved: false));
            }
            world.Orders[order.Id] = order;
            shipment?.OrderIds.Add(order.Id);
            newPack?.OrderIds.Add(order.Id);
            orders.Add(order);
        }
        if (newPack is not null)
        {
            world.Packs[newPack.Id] = newPack;
        }

        foreach (var order in orders)
        {
            if (notify)
            {
                world.Notify("created_orders", $"/orders/{order.Id}", sellerId);
            }

            if (status != "payment_required")
            {
                Close(order, status == "paid");
                if (notify)
                {
                    world.Notify("orders_v2", $"/orders/{order.Id}", sellerId);
                }
            }
        }
        if (shipment is not null && status != "payment_required")
        {
            ShipmentChanged(shipment);
        }

        if (fraud)
        {
            foreach (var order in orders)
            {
                ScheduleFraudCancel(order);
            }
        }

        if (newPack is null)
        {
            return ApiOutcome.Ok(OrderRenderer.Render(orders[0], world), 201);
        }

        var rendered = new JsonArray();
        foreach (var order in orders)
        {
            rendered.Add(OrderRenderer.Render(order, world));
        }

        return ApiOutcome.Ok(new JsonObject { ["pack_id"] = newPack.Id, ["shipment_id"] = shipment?.Id, ["orders"] = rendered }, 201);
    }

    private static JsonArray VariationAttributes(Variation? variation)
    {
        var result = new JsonArray();
        if (variation is null)
        {
            return result;
        }

        foreach (var a in variation.AttributeCombinations)
        {
            result.Add(new JsonObject
            {
                ["id"] = a?["id"]?.DeepClone(),
                ["name"] = a?["name"]?.DeepClone(),
                ["value_id"] = a?["value_id"]?.DeepClone(),
                ["value_name"] = a?["value_name"]?.DeepClone(),
            });
        }
        return result;
    }

    private Payment NewPayment(Order o, string status, string detail, bool approved)
    {
        var now = world.Now;
        return new Payment
        {
            Id = world.Ids.NextPayment(),
            Status = status,
            StatusDetail = detail,
            Amount = o.TotalAmount,
            CurrencyId = o.CurrencyId,
            DateCreated = now,
            DateApproved = approved ? now : null,
            DateLastModified = now,
            TaxesAmount = o.TaxesAmount ?? 0,
            CardId = 200_000_000 + (o.Id % 100_000),
        };
    }

    /// <summary>The order is confirmed or paid for the first time: date_closed, stock, label ready.</summary>
    private void Close(Order o, bool paid)
    {
        var now = world.Now;
        o.DateClosed ??= now;
        o.ExpirationDate ??= now + ExpirationAfterClose;
        if (paid)
        {
            var pending = o.Payments.FirstOrDefault(p => p.Status != "approved");
            if (pending is not null)
            {
                pending.Status = "approved";
                pending.StatusDetail = "accredited";
                pending.DateApproved = now;
                pending.DateLastModified = now;
            }
            else
            {
                o.Payments.Add(NewPayment(o, "approved", "accredited", approved: true));
            }
            o.Status = "paid";
            if (ShipmentOf(o) is { Status: "pending" } s)
            {
                s.DateReadyToShip = now;
                (s.Status, s.Substatus) = s.Mode == "custom" ? ("handling", null) : s.LogisticType == "fulfillment" ? ("ready_to_ship", "in_warehouse") : ("ready_to_ship", "ready_to_print");
            }
        }
        if (!o.StockTaken)
        {
            foreach (var line in o.Lines)
            {
                Stock.Move(world, world.Items[line.ItemId], line.VariationId, -line.Quantity, $"order {o.Id} closed");
            }
            o.StockTaken = true;
        }
        o.LastUpdated = world.NextStamp(o.LastUpdated);
    }

    /// <summary>What an action does to an order and its shipment: null when done, else the failure MeLi would answer.</summary>
    private delegate ApiOutcome? OrderAction(OrderLifecycle lifecycle, Order order, Shipment? shipment, JsonObject? body);

    private static readonly Dictionary<string, OrderAction> ActionsByName = new(StringComparer.Ordinal)
    {
        ["pay"] = (l, o, s, _) => l.Pay(o, s),
        ["print-label"] = (l, _, s, _) => l.PrintLabel(s),
        ["ship"] = (l, o, s, _) => l.Ship(o, s),
        ["deliver"] = (l, o, s, _) => l.Deliver(o, s),
        ["cancel"] = (l, o, _, body) => l.Cancel(o, body),
        ["flag-fraud"] = (l, o, _, _) => l.FlagFraud(o),
        ["clear-fraud"] = (l, o, _, _) => l.ClearFraud(o),
        ["return"] = (l, o, s, _) => l.Return(o, s),
        ["touch"] = (l, o, _, _) => l.Touch(o),
    };

    public ApiOutcome Act(long orderId, string action, JsonObject? body)
    {
        if (!world.Orders.TryGetValue(orderId, out var o))
        {
            return ApiOutcome.Fail(404, "order_not_found", $"Order not found. {orderId}");
        }

        if (!ActionsByName.TryGetValue(action, out var act))
        {
            return ApiOutcome.Fail(404, "not_found", $"unknown action {action}; one of {string.Join(", ", Actions)}");
        }

        return act(this, o, ShipmentOf(o), body) ?? ApiOutcome.Ok(OrderRenderer.Render(o, world));
    }

    private static ApiOutcome BadRequest(string message) => ApiOutcome.Fail(400, "bad_request", message);

    private ApiOutcome? Pay(Order o, Shipment? s)
    {
        if (o.Status is not ("payment_required" or "confirmed"))
        {
            return BadRequest($"order is {o.Status}");
        }

        BeginChange(o);
        if (!o.StockTaken && o.Lines.Any(l => Stock.Available(world.Items[l.ItemId], l.VariationId) < l.Quantity))
        {
            CancelCore(o, "item", "out_of_stock", "The item ran out of stock before the payment was approved", "mercadolibre", null);
            return null;
        }

        Close(o, paid: true);
        EndChange(o);
        if (s is not null)
        {
            ShipmentChanged(s);
        }

        return null;
    }

    private ApiOutcome? PrintLabel(Shipment? s)
    {
        if (s is null || s.Mode != "me2" || s.Status != "ready_to_ship" || s.Substatus != "ready_to_print")
        {
            return BadRequest("the shipment has no label ready to print");
        }

        s.Substatus = "printed";
        ShipmentChanged(s);
        return null;
    }

    private ApiOutcome? Ship(Order o, Shipment? s)
    {
        if (o.Status != "paid" || s is null || s.Status is not ("ready_to_ship" or "handling"))
        {
            return BadRequest("only a paid order whose shipment is handling or ready_to_ship can be shipped");
        }

        BeginChange(o);
        (s.Status, s.Substatus, s.DateShipped) = ("shipped", null, world.Now);
        ShipmentChanged(s);
        EndChange(o);
        return null;
    }

    private ApiOutcome? Deliver(Order o, Shipment? s)
    {
        if (s is null || s.Status != "shipped")
        {
            return BadRequest("only a shipped shipment can be delivered");
        }

        BeginChange(o);
        (s.Status, s.Substatus, s.DateDelivered) = ("delivered", null, world.Now);
        ShipmentChanged(s);
        foreach (var other in s.OrderIds.Where(id => id != o.Id).Select(id => world.Orders[id]))
        {
            BeginChange(other);
            EndChange(other);
        }

        EndChange(o);
        return null;
    }

    private ApiOutcome? Cancel(Order o, JsonObject? body)
    {
        if (o.Status == "cancelled")
        {
            return BadRequest("the order is already cancelled");
        }

        var by = MeliJson.String(body?["requested_by"]) ?? "buyer";
        var (group, code, description) = by switch
        {
            "buyer" => ("buyer", "buyer_cancel_express", "The buyer cancelled the purchase"),
            "seller" => ("seller", "seller_cancel", "The seller cancelled the sale"),
            "mercadolibre" => ("internal", "internal_cancel", "Mercado Libre cancelled the sale"),
            _ => (null, null, null),
        };
        if (group is null)
        {
            return BadRequest("requested_by must be buyer, seller or mercadolibre");
        }

        BeginChange(o);
        CancelCore(o, group, code!, description!, by, null);
        return null;
    }

    private ApiOutcome? FlagFraud(Order o)
    {
        if (o.Fraud)
        {
            return BadRequest("the order is already flagged");
        }

        BeginChange(o);
        o.Fraud = true;
        EndChange(o);
        ScheduleFraudCancel(o);
        return null;
    }

    private ApiOutcome? ClearFraud(Order o)
    {
        if (!o.Fraud)
        {
            return BadRequest("the order is not flagged");
        }

        BeginChange(o);
        o.Fraud = false;
        EndChange(o);
        return null;
    }

    private ApiOutcome? Return(Order o, Shipment? s)
    {
        if (s is null || s.Status is not ("shipped" or "delivered" or "not_delivered"))
        {
            return BadRequest("only a shipment that left can come back");
        }

        BeginChange(o);
        (s.Status, s.Substatus, s.DateReturned) = ("not_delivered", "returned", world.Now);
        ShipmentChanged(s);
        if (o.Status != "cancelled")
        {
            CancelCore(o, "delivery", "returned_to_seller", "The package went back to the seller", "mercadolibre", null);
        }
        else
        {
            EndChange(o);
        }

        return null;
    }

    private ApiOutcome? Touch(Order o)
    {
        BeginChange(o);
        EndChange(o);
        return null;
    }

    /// <summary>
    /// Cancels an order as MeLi does: cancel_detail, payments refunded, the shipment cancelled when
    /// the goods did not leave, and the stock back on the listing in that case. Caller ran BeginChange.
    /// </summary>
    public void CancelCore(Order o, string group, string code, string description, string requestedBy, string? shipmentSubstatus)
    {
        var now = world.Now;
        var s = ShipmentOf(o);
        o.Status = "cancelled";
        o.Cancel = new CancelDetail
        {
            Group = group,
            Code = code,
            Description = description,
            RequestedBy = requestedBy,
            Date = now,
            ApplicationId = requestedBy == "seller" ? world.Options.AppId : null,
        };
        foreach (var p in o.Payments.Where(p => p.Status == "approved"))
        {
            p.Status = "refunded";
            p.StatusDetail = "refunded";
            p.DateLastModified = now;
        }
        var goodsLeft = s?.GoodsLeft ?? false;
        if (o.StockTaken && !goodsLeft)
        {
            foreach (var line in o.Lines)
            {
                Stock.Move(world, world.Items[line.ItemId], line.VariationId, line.Quantity, $"order {o.Id} cancelled");
            }
            o.StockTaken = false;
        }
        if (s is not null && !goodsLeft && s.Status != "cancelled")
        {
            var siblingsAlive = s.OrderIds.Any(id => id != o.Id && world.Orders[id].Status != "cancelled");
            if (!siblingsAlive)
            {
                (s.Status, s.Substatus, s.DateCancelled) = ("cancelled", shipmentSubstatus ?? (group == "fraud" ? "fraudulent" : null), now);
                ShipmentChanged(s);
            }
        }
        EndChange(o);
    }

    /// <summary>MeLi cancels a fraud-flagged Mercado Envios order itself when its label is not printed yet.</summary>
    public void ScheduleFraudCancel(Order o)
    {
        if (ShipmentOf(o) is not { IsMercadoEnvios: true, LabelPrinted: false, Status: not "cancelled" })
        {
            return;
        }

        var orderId = o.Id;
        ITimer? timer = null;
        timer = world.Time.CreateTimer(_ =>
        {
            lock (world.Sync)
            {
                if (world.Orders.TryGetValue(orderId, out var order) && order.Fraud && order.Status != "cancelled"
                    && ShipmentOf(order) is { LabelPrinted: false })
                {
                    BeginChange(order);
                    CancelCore(order, "fraud", "fraud_risk_detected", "Mercado Libre detected a fraud risk and cancelled the sale", "mercadolibre", "fraudulent");
                }
                if (timer is not null)
                {
                    world.Timers.Remove(timer);
                }
            }
            timer?.Dispose();
        }, null, world.Options.FraudAutoCancelDelay, Timeout.InfiniteTimeSpan);
        world.Timers.Add(timer);
    }
}
