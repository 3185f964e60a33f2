using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.MercadoLibre.OAuth;

/// <summary>
/// Hands out a seller's access token, refreshing it before it runs out and after a 401.
/// Mercado Libre's refresh tokens are single-use, so a refresh is serialised per seller across
/// every worker and host: the worker that wins an ETag-guarded lease on the seller's row refreshes;
/// the others wait for the row to change and use the winner's token.
/// </summary>
public sealed class MeliTokenProvider(
    SellerAccounts sellers,
    MeliOAuthClient oauth,
    IOptions<MeliOptions> options,
    TimeProvider time,
    ILogger<MeliTokenProvider> logger)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WaitForOtherRefresh = TimeSpan.FromSeconds(20);

    /// <summary>A token that is good for at least the refresh margin.</summary>
    public Task<string> GetAccessTokenAsync(string sellerId, CancellationToken cancellationToken) =>
        GetAsync(sellerId, rejected: null, cancellationToken);

    /// <summary>After Mercado Libre refused <paramref name="rejectedToken"/> with 401: a different, fresh token.</summary>
    public Task<string> RefreshAfterUnauthorizedAsync(string sellerId, string rejectedToken, CancellationToken cancellationToken) =>
        GetAsync(sellerId, rejectedToken, cancellationToken);

    private async Task<string> GetAsync(string sellerId, string? rejected, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + WaitForOtherRefresh;
        var pause = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var row = await sellers.GetTokensAsync(sellerId, cancellationToken)
                      ?? throw new MeliApiException(MeliErrorKind.SellerDisconnected, 0, "seller_not_connected", $"seller {sellerId} has not connected the app");
            if (row.Status != SellerAccount.Connected)
            {
                throw new MeliApiException(MeliErrorKind.SellerDisconnected, 0, "seller_disconnected", $"seller {sellerId} is disconnected and must connect the app again");
            }

            var now = time.GetUtcNow();
            var fresh = row.AccessTokenExpiresAt - options.Value.RefreshMargin > now;
            if (fresh && (rejected is null || row.AccessToken != rejected))
            {
                return row.AccessToken;
            }

            var leaseFree = row.RefreshLeaseUntil is null || row.RefreshLeaseUntil <= now;
            if (leaseFree)
            {
                var lease = await sellers.TryTakeRefreshLeaseAsync(row, Lease, cancellationToken);
                if (lease is { } etag)
                {
                    return await RefreshAsync(row, etag, cancellationToken);
                }
            }

            if (time.GetUtcNow() > deadline)
            {
                throw new MeliApiException(MeliErrorKind.Transient, 0, "refresh_in_progress", $"another worker is refreshing seller {sellerId}'s token");
            }

            await Task.Delay(pause, time, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 1000));
        }
    }

    private async Task<string> RefreshAsync(SellerTokens row, Azure.ETag lease, CancellationToken cancellationToken)
    {
        TokenResponse tokens;
        try
        {
            tokens = await oauth.RefreshAsync(row.RefreshToken, cancellationToken);
        }
        catch (MeliApiException ex) when (ex.Kind == MeliErrorKind.SellerDisconnected)
        {
            if (await sellers.MarkDisconnectedAsync(row.SellerId, $"refresh refused: {ex.Error}", lease, CancellationToken.None))
            {
                logger.LogError("Seller {SellerId} is disconnected: Mercado Libre refused the refresh token ({Error}). The seller must connect the app again.", row.SellerId, ex.Error);
            }

            throw;
        }
        catch
        {
            await sellers.ReleaseLeaseAsync(row.SellerId, lease, CancellationToken.None);
            throw;
        }

        await sellers.StoreRefreshedAsync(row.SellerId, tokens, lease, CancellationToken.None);
        logger.LogInformation("Refreshed the access token of seller {SellerId}; it expires in {ExpiresIn} s", row.SellerId, tokens.ExpiresIn);
        return tokens.AccessToken;
    }
}
