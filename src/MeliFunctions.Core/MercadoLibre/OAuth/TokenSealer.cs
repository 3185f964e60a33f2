using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.MercadoLibre.OAuth;

/// <summary>
/// The keys that seal sellers' tokens at rest (section <c>Tokens</c>): <c>Tokens__Keys</c> holds
/// <c>id:secret</c> pairs separated by <c>;</c>, the first one sealing and every one reading, e.g.
/// <c>k2:&lt;new secret&gt;;k1:&lt;old secret&gt;</c>. A secret is at least 32 characters of random
/// text (the Bicep generates 64 hex digits into Key Vault; <c>openssl rand -hex 32</c> makes one);
/// the AES-256 key is HKDF-SHA256 of it, with the id as HKDF's info, so any random text of that
/// length will do and no two ids share a key.
/// </summary>
public sealed class TokenOptions
{
    public const string Section = "Tokens";
    public const string KeysSetting = "Tokens__Keys";

    public string? Keys { get; set; }

    public override string ToString() => "TokenOptions(Keys=***)";
}

/// <summary>
/// Seals the OAuth tokens the <c>Sellers</c> table keeps, with AES-256-GCM: a sealed value is
/// <c>sealed:{key id}:{base64url(nonce | ciphertext | tag)}</c>, bound (as associated data) to the
/// seller and the column, so a value copied to another row or column does not open. A value without
/// the prefix is a token stored in clear by an older version: it is read as it is and rewritten
/// sealed (<see cref="SellerAccounts"/>); so is a value sealed with a key that is no longer the first.
/// </summary>
/// <remarks>
/// No key: outside the Development environment the host does not start (the options check names
/// <c>Tokens__Keys</c>); in Development tokens are stored in clear and a warning naming the setting is logged.
/// </remarks>
public sealed partial class TokenSealer
{
    public const string Prefix = "sealed:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Salt = Encoding.UTF8.GetBytes("MeliFunctions.Tokens.v1");

    private readonly (string Id, byte[] Key)[] _keys;

    public TokenSealer(IOptions<TokenOptions> options, ILogger<TokenSealer> logger)
    {
        _keys = [.. Parse(options.Value.Keys).Select(k => (k.Id, DeriveKey(k.Id, k.Secret)))];
        if (_keys.Length == 0)
        {
            logger.LogWarning("{Setting} is not set: sellers' tokens are stored in clear (allowed in the Development environment only).", TokenOptions.KeysSetting);
        }
    }

    /// <summary>The id of the key that seals, or null when none is configured (Development only).</summary>
    public string? CurrentKeyId => _keys.Length == 0 ? null : _keys[0].Id;

    /// <summary>The value to store for <paramref name="token"/> in <paramref name="column"/> of seller <paramref name="sellerId"/>'s row.</summary>
    public string Seal(string sellerId, string column, string token)
    {
        if (_keys.Length == 0 || token.Length == 0)
        {
            return token;
        }

        var (id, key) = _keys[0];
        var plain = Encoding.UTF8.GetBytes(token);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), AssociatedData(sellerId, column));
        return $"{Prefix}{id}:{Invites.Base64Url(sealedBytes)}";
    }

    /// <summary>The token a stored value holds.</summary>
    /// <exception cref="MeliApiException">the key it names is not configured, or the value does not open with it</exception>
    public string Unseal(string sellerId, string column, string stored) => Open(sellerId, column, stored).Token;

    /// <summary>The token, and whether the stored value should be written again (it was clear, or sealed with an older key).</summary>
    internal (string Token, bool Reseal) Open(string sellerId, string column, string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return (stored, _keys.Length > 0 && stored.Length > 0);
        }

        var rest = stored.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        var id = colon > 0 ? rest[..colon].ToString() : "";
        var index = Array.FindIndex(_keys, k => k.Id == id);
        if (index < 0)
        {
            throw new MeliApiException(MeliErrorKind.Transient, 0, "token_key_missing",
                $"seller {sellerId}'s {column} is sealed with key '{id}', which {TokenOptions.KeysSetting} does not hold: add that key back (after the first one)");
        }

        try
        {
            var bytes = FromBase64Url(rest[(colon + 1)..].ToString());
            if (bytes.Length < NonceSize + TagSize)
            {
                throw new CryptographicException("too short");
            }

            var plain = new byte[bytes.Length - NonceSize - TagSize];
            using var aes = new AesGcm(_keys[index].Key, TagSize);
            aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, plain.Length), bytes.AsSpan(NonceSize + plain.Length), plain, AssociatedData(sellerId, column));
            return (Encoding.UTF8.GetString(plain), index > 0);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw new MeliApiException(MeliErrorKind.Transient, 0, "token_unreadable",
                $"seller {sellerId}'s {column} does not open with key '{id}' (a different secret under the same id?); the seller may have to connect again");
        }
    }

    /// <summary>Reads <c>Tokens__Keys</c>; throws with the setting's name when it is malformed.</summary>
    internal static IReadOnlyList<(string Id, string Secret)> Parse(string? keys)
    {
        var parsed = new List<(string, string)>();
        foreach (var entry in (keys ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':');
            var id = colon > 0 ? entry[..colon] : "";
            var secret = colon > 0 ? entry[(colon + 1)..] : "";
            if (!KeyId().IsMatch(id))
            {
                throw new OptionsValidationException(TokenOptions.Section, typeof(TokenOptions),
                    [$"{TokenOptions.KeysSetting}: each entry is id:secret with an id of 1 to 32 letters, digits, '-' or '_' (entries are separated by ';')."]);
            }

            if (secret.Length < 32)
            {
                throw new OptionsValidationException(TokenOptions.Section, typeof(TokenOptions),
                    [$"{TokenOptions.KeysSetting}: the secret of key '{id}' must be at least 32 characters of random text (e.g. openssl rand -hex 32)."]);
            }

            if (parsed.Any(p => p.Item1 == id))
            {
                throw new OptionsValidationException(TokenOptions.Section, typeof(TokenOptions), [$"{TokenOptions.KeysSetting}: key id '{id}' appears twice."]);
            }

            parsed.Add((id, secret));
        }

        return parsed;
    }

    private static byte[] DeriveKey(string id, string secret) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, Salt, Encoding.UTF8.GetBytes(id));

    private static byte[] AssociatedData(string sellerId, string column) => Encoding.UTF8.GetBytes($"Sellers/{sellerId}/{column}");

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyId();
}

/// <summary>At start: <c>Tokens__Keys</c> parses, and is set unless the environment is Development.</summary>
/// <remarks>Without a host (a bare service collection) there is no environment: the key is required.</remarks>
internal sealed class TokenOptionsValidation(IHostEnvironment? environment = null) : IValidateOptions<TokenOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        try
        {
            var keys = TokenSealer.Parse(options.Keys);
            if (keys.Count == 0 && environment?.IsDevelopment() != true)
            {
                return ValidateOptionsResult.Fail(
                    $"{TokenOptions.KeysSetting} is required (environment {environment?.EnvironmentName ?? "none"}): the key that seals sellers' tokens at rest, as id:secret " +
                    "(at least 32 random characters; the Bicep puts one in Key Vault). Only the Development environment may run without one.");
            }

            return ValidateOptionsResult.Success;
        }
        catch (OptionsValidationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Failures);
        }
    }
}
