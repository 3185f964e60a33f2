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

    /// <summary>
    /// Requests per second to Mercado Libre for one seller, for every caller together (MeLi answers 429
    /// from about 5 to 7 a second per seller). Each of <see cref="BudgetInstances"/> instances takes its share.
    /// </summary>
    [Range(0.1, 1_000)]
    public double RequestsPerSecondPerSeller { get; set; } = 5;

    /// <summary>Requests a seller's budget saves up while idle (the bucket size), shared like the rate.</summary>
    [Range(1, 100)]
    public int BurstPerSeller { get; set; } = 1;

    /// <summary>A 429 halves a seller's rate, never below this.</summary>
    [Range(0.01, 1_000)]
    public double MinRequestsPerSecondPerSeller { get; set; } = 0.5;

    /// <summary>After a 429, every interval without another one raises the rate by a tenth of the configured rate.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RateRecoveryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests per second for the whole app, all sellers together (0: no app-wide budget).</summary>
    [Range(0, 100_000)]
    public double AppRequestsPerSecond { get; set; }

    /// <summary>
    /// How many instances share the budgets: each takes 1/n of every rate. The Bicep sets it to the
    /// plan's <c>maximumInstanceCount</c>, so all instances together never pass the budget.
    /// </summary>
    [Range(1, 1_000)]
    public int BudgetInstances { get; set; } = 1;

    /// <summary>An access token is refreshed when it has less than this left.</summary>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ApiBaseUrl.IsAbsoluteUri || !AuthBaseUrl.IsAbsoluteUri)
        {
            yield return new ValidationResult("Meli__ApiBaseUrl and Meli__AuthBaseUrl must be absolute URLs.");
        }

        if (MinRequestsPerSecondPerSeller > RequestsPerSecondPerSeller)
        {
            yield return new ValidationResult("Meli__MinRequestsPerSecondPerSeller must not be above Meli__RequestsPerSecondPerSeller.");
        }
    }

    /// <summary>Never shows the secret.</summary>
    public override string ToString() => $"MeliOptions(AppId={AppId}, ApiBaseUrl={ApiBaseUrl}, ClientSecret=***)";
}
