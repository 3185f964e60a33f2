using System.Text.Json.Serialization;

namespace MeliFunctions.MercadoLibre;

/// <summary>Source-generated JSON for the Mercado Libre answers read into types (snake_case names).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class MeliJsonContext : JsonSerializerContext;
