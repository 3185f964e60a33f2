using System.ComponentModel.DataAnnotations;

namespace MeliFunctions.SellerActions;

/// <summary>Seller actions through our API (section <c>SellerActions</c>).</summary>
public sealed class SellerActionsOptions
{
    public const string Section = "SellerActions";

    /// <summary>Give positive feedback by itself when an order is delivered (once per order). Off by default.</summary>
    public bool AutoFeedbackOnDelivered { get; set; }

    /// <summary>The message of the automatic feedback: Mercado Libre takes 160 characters at most.</summary>
    [Required]
    [StringLength(FeedbackRules.MaxMessageLength, MinimumLength = 1)]
    public string AutoFeedbackMessage { get; set; } = "Thank you for your purchase! It was a pleasure to sell to you.";

    /// <summary>
    /// How long a request with the same idempotency key waits for the first one (still calling Mercado
    /// Libre) to finish before answering 409 <c>request_in_progress</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ConcurrentRetryWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A key left pending this long (its host died during the Mercado Libre call) can be taken over by a
    /// retry, which calls again. Longer than the MeLi client's whole retry budget.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00")]
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromMinutes(5);
}
