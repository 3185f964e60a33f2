namespace MeliFunctions.Configuration;

/// <summary>
/// Every setting the product reads, by the name it has in Functions app settings and in the
/// Server's environment. The README's settings table, <c>local.settings.sample.json</c> and the
/// Bicep app settings are checked against this list by the tests.
/// </summary>
public static class SettingNames
{
    public const string Storage = "AzureWebJobsStorage";
    public const string TaskHub = "TASKHUB_NAME";
    public const string MeliApiBaseUrl = "Meli__ApiBaseUrl";
    public const string MeliAuthBaseUrl = "Meli__AuthBaseUrl";
    public const string MeliAppId = "Meli__AppId";
    public const string MeliClientSecret = "Meli__ClientSecret";
    public const string MeliRedirectUri = "Meli__RedirectUri";
    public const string CallbackSecret = "Notifications__CallbackSecret";
    public const string PreviousCallbackSecret = "Notifications__PreviousCallbackSecret";
    public const string TokenKeys = MercadoLibre.OAuth.TokenOptions.KeysSetting;
    public const string OpenEnrolment = "OAuth__OpenEnrolment";
    public const string StockReconcileSchedule = "StockReconcileSchedule";
    public const string PendingSweepSchedule = "PendingSweepSchedule";
    public const string FraudMeliCancelWait = "Fraud__MeliCancelWait";
    public const string FraudCancelConfirmWait = "Fraud__CancelConfirmWait";
    public const string FraudCancelReason = "Fraud__CancelReason";
    public const string FraudBlacklistBuyer = "Fraud__BlacklistBuyer";
    public const string AutoFeedbackOnDelivered = "SellerActions__AutoFeedbackOnDelivered";
    public const string MeliBudgetInstances = "Meli__BudgetInstances";
    public const string ServerApiKey = "Server__ApiKey";

    /// <summary>Settings that both hosts read (the Server also reads <see cref="ServerApiKey"/>; Functions keys do that job in the App).</summary>
    public static IReadOnlyList<string> Product { get; } =
    [
        TaskHub, MeliApiBaseUrl, MeliAuthBaseUrl, MeliAppId, MeliClientSecret, MeliRedirectUri,
        CallbackSecret, PreviousCallbackSecret, TokenKeys, OpenEnrolment,
        StockReconcileSchedule, PendingSweepSchedule, FraudMeliCancelWait, FraudCancelConfirmWait,
        FraudCancelReason, FraudBlacklistBuyer, AutoFeedbackOnDelivered, MeliBudgetInstances,
    ];
}
