namespace MeliFunctions.MercadoLibre.OAuth;

/// <summary>Who may connect a Mercado Libre account (section <c>OAuth</c>).</summary>
public sealed class OAuthOptions
{
    public const string Section = "OAuth";

    /// <summary>
    /// Off (the default, and in the Bicep): a new seller connects only with an invitation an operator
    /// created (<c>POST /api/admin/invites</c>); a seller already connected (or disconnected) may
    /// authorise again without one. On: any Mercado Libre user who opens <c>/api/oauth/start</c>
    /// connects (what <c>scripts/run</c> and the tests use).
    /// </summary>
    public bool OpenEnrolment { get; set; }
}
