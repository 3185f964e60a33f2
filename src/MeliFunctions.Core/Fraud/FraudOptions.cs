namespace MeliFunctions.Fraud;

/// <summary>Settings of the fraud stop and cancel flow (section <c>Fraud</c>), validated at start.</summary>
public sealed class FraudOptions
{
    public const string Section = "Fraud";

    /// <summary>The reasons Mercado Libre accepts in a <c>fulfilled:false</c> feedback.</summary>
    public static IReadOnlyList<string> CancelReasons { get; } =
    [
        "OUT_OF_STOCK", "BUYER_NOT_ENOUGH_MONEY", "BUYER_REGRETS", "SELLER_REGRETS", "BUYER_DID_NOT_ANSWER",
        "DUBIOUS_BUYER", "UNAVAILABLE_PRODUCT", "WRONG_RECEIVER_ADDRESS",
    ];

    /// <summary>How long to give Mercado Libre to cancel by itself (Mercado Envios, label not printed) before we cancel.</summary>
    public TimeSpan MeliCancelWait { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long to wait for <c>cancelled</c> after our cancellation, before <c>manual_review</c>.</summary>
    public TimeSpan CancelConfirmWait { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// The feedback <c>reason</c> when we cancel. <c>DUBIOUS_BUYER</c> says what happened; <c>OUT_OF_STOCK</c>
    /// would say the seller failed, which is not true here.
    /// </summary>
    public string CancelReason { get; set; } = "DUBIOUS_BUYER";

    /// <summary>The feedback <c>message</c> (160 characters at most).</summary>
    public string CancelMessage { get; set; } = "Venta cancelada: Mercado Libre marco la compra con riesgo de fraude (fraud_risk_detected).";

    /// <summary>Put the buyer on the seller's <c>order_blacklist</c> once the order is cancelled.</summary>
    public bool BlacklistBuyer { get; set; }

    /// <summary>How long a worker holds a case while it runs a step; a worker that dies loses it after this long.</summary>
    public TimeSpan StepLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts of one step (transient failures, with backoff) before the case goes to <c>manual_review</c>.</summary>
    public int MaxStepAttempts { get; set; } = 8;

    /// <summary>The wait before a failed step's second attempt.</summary>
    public TimeSpan FirstRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What each further wait is multiplied by.</summary>
    public double BackoffCoefficient { get; set; } = 2;

    /// <summary>The longest wait between two attempts of a step.</summary>
    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait a queue message can carry (Azure Storage queues: 7 days).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(7);

    /// <summary>Null when valid, else what is wrong, naming the setting.</summary>
    public string? Validate()
    {
        if (MeliCancelWait < TimeSpan.Zero || MeliCancelWait > MaxWait)
        {
            return "Fraud__MeliCancelWait must be between 00:00:00 and 7.00:00:00.";
        }

        if (CancelConfirmWait <= TimeSpan.Zero || CancelConfirmWait > MaxWait)
        {
            return "Fraud__CancelConfirmWait must be more than 0 and at most 7.00:00:00.";
        }

        if (!CancelReasons.Contains(CancelReason))
        {
            return $"Fraud__CancelReason must be one of {string.Join(", ", CancelReasons)}.";
        }

        if (string.IsNullOrWhiteSpace(CancelMessage) || CancelMessage.Length > 160)
        {
            return "Fraud__CancelMessage must have 1 to 160 characters.";
        }

        if (StepLease < TimeSpan.FromSeconds(1) || StepLease > TimeSpan.FromHours(1))
        {
            return "Fraud__StepLease must be between 00:00:01 and 01:00:00.";
        }

        if (MaxStepAttempts is < 1 or > 100)
        {
            return "Fraud__MaxStepAttempts must be between 1 and 100.";
        }

        if (FirstRetryInterval < TimeSpan.FromMilliseconds(1) || FirstRetryInterval > MaxWait)
        {
            return "Fraud__FirstRetryInterval must be more than 0 and at most 7.00:00:00.";
        }

        if (!(BackoffCoefficient >= 1 && BackoffCoefficient <= 10))
        {
            return "Fraud__BackoffCoefficient must be between 1 and 10.";
        }

        return MaxRetryInterval < FirstRetryInterval || MaxRetryInterval > MaxWait
            ? "Fraud__MaxRetryInterval must be at least Fraud__FirstRetryInterval and at most 7.00:00:00."
            : null;
    }
}
