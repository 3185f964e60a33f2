using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Items;

/// <summary>Stock changes of listings, with MeLi's side effects: out-of-stock pause, items notification. Under the world lock.</summary>
internal static class Stock
{
    public static int Available(Item item, long? variationId) =>
        variationId is { } v ? item.Variations.FirstOrDefault(x => x.Id == v)?.AvailableQuantity ?? 0 : item.AvailableQuantity;

    /// <summary>Sets the available quantity of a listing (or of one of its variations).</summary>
    public static void Set(SandboxWorld world, Item item, long? variationId, int quantity, string source)
    {
        var before = Available(item, variationId);
        if (variationId is { } vid)
        {
            item.Variations.First(v => v.Id == vid).AvailableQuantity = quantity;
        }
        else
        {
            item.OwnQuantity = quantity;
        }

        Record(world, item, variationId, before, quantity, source);
    }

    /// <summary>Moves units between available and sold: a sale (negative delta) or a cancellation (positive).</summary>
    public static void Move(SandboxWorld world, Item item, long? variationId, int delta, string source)
    {
        var before = Available(item, variationId);
        if (variationId is { } vid)
        {
            var variation = item.Variations.First(v => v.Id == vid);
            variation.AvailableQuantity += delta;
            variation.SoldQuantity -= delta;
        }
        else
        {
            item.OwnQuantity += delta;
            item.OwnSoldQuantity -= delta;
        }
        Record(world, item, variationId, before, before + delta, source);
    }

    private static void Record(SandboxWorld world, Item item, long? variationId, int before, int after, string source)
    {
        item.LastUpdated = world.NextStamp(item.LastUpdated);
        if (item.Status == "active" && item.AvailableQuantity == 0)
        {
            item.Status = "paused";
            if (!item.SubStatus.Contains("out_of_stock"))
            {
                item.SubStatus.Add("out_of_stock");
            }
        }
        else if (item.Status == "paused" && item.SubStatus.Contains("out_of_stock") && item.AvailableQuantity > 0)
        {
            item.Status = "active";
            item.SubStatus.Remove("out_of_stock");
        }
        world.StockUpdates.Add(new StockUpdate(item.Id, variationId, item.SellerId, before, after, source, world.Now));
        world.Notify("items", $"/items/{item.Id}", item.SellerId);
    }
}
