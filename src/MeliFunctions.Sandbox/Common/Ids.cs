namespace MeliFunctions.Sandbox.Common;

/// <summary>Deterministic id source (seeded). Not thread-safe: callers hold the world lock.</summary>
internal sealed class Ids(int seed)
{
    private readonly Random _random = new(seed);
    private long _user = 240_000_000;
    private long _order = 2_000_005_000_000_000;
    private long _pack = 2_000_004_000_000_000;
    private long _shipment = 41_000_000_000;
    private long _payment = 60_000_000_000;
    private long _item = 1_400_000_000;
    private long _variation = 180_000_000_000;
    private long _feedback = 9_000_000_000;

    public long NextUser() => _user += _random.Next(1, 9_999);
    public long NextOrder() => _order += _random.Next(1, 99_999);
    public long NextPack() => _pack += _random.Next(1, 99_999);
    public long NextShipment() => _shipment += _random.Next(1, 9_999);
    public long NextPayment() => _payment += _random.Next(1, 9_999);
    public long NextItemNumber() => _item += _random.Next(1, 99_999);
    public long NextVariation() => _variation += _random.Next(1, 9_999);
    public long NextFeedback() => _feedback += _random.Next(1, 9_999);

    public string Hex(int chars)
    {
        var bytes = new byte[(chars + 1) / 2];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes)[..chars];
    }
}
