namespace MeliFunctions.MercadoLibre;

/// <summary>The answer of <c>POST /oauth/token</c>.</summary>
public sealed record TokenResponse(
    string AccessToken,
    string? TokenType,
    int ExpiresIn,
    string? Scope,
    long UserId,
    string? RefreshToken)
{
    /// <summary>Never shows the tokens.</summary>
    public override string ToString() => $"TokenResponse(UserId={UserId}, ExpiresIn={ExpiresIn}, Scope={Scope})";
}
