using System.ComponentModel.DataAnnotations;

namespace MeliFunctions.Sweeps;

/// <summary>The pending sweep and the backfill (section <c>Sweeps</c>), validated at start.</summary>
public sealed class SweepOptions : IValidatableObject
{
    public const string Section = "Sweeps";

    /// <summary>How many days a new seller's backfill imports.</summary>
    [Range(1, 365)]
    public int BackfillDays { get; set; } = 30;

    /// <summary>
    /// How far before the last sweep's start the "changed since" window begins. Mercado Libre filters
    /// dates at hour precision and its search can lag a change: the overlap catches what sits on the edge.
    /// </summary>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How far back the first sweep of a seller looks (when no watermark exists yet).</summary>
    public TimeSpan FirstWindow { get; set; } = TimeSpan.FromDays(2);

    /// <summary>A stored order in a non-final status not fetched for this long is fetched again.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The stuck-order step looks at orders sorted (closed, else created) this recently: a key range, not the seller's whole history.</summary>
    public TimeSpan StuckWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A stored order whose follow-up (observers) has been pending this long since its write is queued
    /// again by the sweep: the repair pass for a follow-up whose messages ran out of attempts.
    /// </summary>
    public TimeSpan FollowUpAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Requests one run may spend for one seller (its Mercado Libre calls and the orders it queues for
    /// the order sync); when spent, the run stops where its cursor is and the next run goes on.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxRequestsPerRun { get; set; } = 5_000;

    /// <summary>Orders asked per search page (Mercado Libre's default is 50).</summary>
    [Range(1, 50)]
    public int PageSize { get; set; } = 50;

    /// <summary>How long a sweep or backfill holds a seller's lease without renewing it (renewed at every page).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Overlap < TimeSpan.Zero || Overlap > TimeSpan.FromDays(2))
        {
            yield return new ValidationResult("Sweeps:Overlap must be between 00:00:00 and 2.00:00:00.", [nameof(Overlap)]);
        }

        if (FirstWindow <= TimeSpan.Zero || FirstWindow > TimeSpan.FromDays(365))
        {
            yield return new ValidationResult("Sweeps:FirstWindow must be positive and at most 365 days.", [nameof(FirstWindow)]);
        }

        if (StuckAfter <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Sweeps:StuckAfter must be positive.", [nameof(StuckAfter)]);
        }

        if (FollowUpAfter < TimeSpan.Zero)
        {
            yield return new ValidationResult("Sweeps:FollowUpAfter must not be negative.", [nameof(FollowUpAfter)]);
        }

        if (StuckWindow <= TimeSpan.Zero || StuckWindow > TimeSpan.FromDays(365))
        {
            yield return new ValidationResult("Sweeps:StuckWindow must be positive and at most 365 days.", [nameof(StuckWindow)]);
        }

        if (LeaseDuration < TimeSpan.FromSeconds(5))
        {
            yield return new ValidationResult("Sweeps:LeaseDuration must be at least 00:00:05.", [nameof(LeaseDuration)]);
        }
    }
}
