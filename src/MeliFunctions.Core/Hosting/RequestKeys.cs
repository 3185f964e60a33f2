using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace MeliFunctions.Hosting;

/// <summary>
/// One pattern for each kind of key a caller sends and the tables store as a PartitionKey or RowKey:
/// Mercado Libre's numeric ids (sellers, orders, buyers: 1 to 20 digits) and idempotency keys (the
/// <c>Idempotency-Key</c> header: 1 to 100 letters, digits, '.', '_', ':' or '-', none of which a
/// table key forbids). Each pattern ends at <c>\z</c>, so a trailing newline never passes.
/// </summary>
public static partial class RequestKeys
{
    /// <summary>The header every change that must apply once carries (seller actions, stock adjustments).</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>What an idempotency key may be, as the error messages say it.</summary>
    public const string IdempotencyKeyRule = "1 to 100 letters, digits, '.', '_', ':' or '-'";

    /// <summary>A Mercado Libre user, order or buyer id: 1 to 20 ASCII digits.</summary>
    public static bool IsMeliId([NotNullWhen(true)] string? value) => value is not null && MeliIdPattern().IsMatch(value);

    public static bool IsIdempotencyKey([NotNullWhen(true)] string? value) => value is not null && IdempotencyKeyPattern().IsMatch(value);

    [GeneratedRegex("^[0-9]{1,20}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex MeliIdPattern();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdempotencyKeyPattern();
}
