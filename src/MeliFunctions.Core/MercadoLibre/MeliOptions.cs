using System.ComponentModel.DataAnnotations;

namespace MeliFunctions.MercadoLibre;

/// <summary>The Mercado Libre application (section <c>Meli</c>). Validated at start.</summary>
public sealed class MeliOptions : IValidatableObject
{
    public const string Section = "Meli";

    [Required]
    public Uri ApiBaseUrl { get; set; } = new("https://api.mercadolibre.com");

    [Required]
    public Uri AuthBaseUrl { get; set; } = new("https://auth.mercadolibre.com.ar");

    /// <summary>The application id (OAuth client_id). Notifications for other apps are refused.</summary>
    [Required(ErrorMessage = "Meli__AppId is required: the Mercado Libre application id (a number).")]
    [RegularExpression("^[0-9]{1,20}$", ErrorMessage = "Meli__AppId must be the numeric Mercado Libre application id.")]
    public string AppId { get; set; } = "";

    [Required(ErrorMessage = "Meli__ClientSecret is required: the Mercado Libre application's secret key.")]
    public string ClientSecret { get; set; } = "";

    /// <summary>The redirect URI registered with Mercado Libre; null means this host's <c>/api/oauth/callback</c>.</summary>
    public Uri? RedirectUri { get; set; }

    /// <summary>How long one call to Mercado Libre may take before it counts as a timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Calls in flight at once for one seller, per process (MeLi answers 429 at about 5 to 7 per second).</summary>
    [Range(1, 64)]
    public int MaxConcurrencyPerSeller { get; set; } = 4;

    /// <summary>An access token is refreshed when it has less than this left.</summary>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ApiBaseUrl.IsAbsoluteUri || !AuthBaseUrl.IsAbsoluteUri)
        {
            yield return new ValidationResult("Meli__ApiBaseUrl and Meli__AuthBaseUrl must be absolute URLs.");
        }
    }

    /// <summary>Never shows the secret.</summary>
    public override string ToString() => $"MeliOptions(AppId={AppId}, ApiBaseUrl={ApiBaseUrl}, ClientSecret=***)";
}
