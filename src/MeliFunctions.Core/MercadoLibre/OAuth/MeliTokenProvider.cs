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
    /// <summary>How long the worker that refreshes a seller's token holds the seller's row.</summary>
    public static readonly TimeSpan RefreshLease = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Lease = RefreshLease;
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
        catch (MeliApiException ex) when (ex.Status == 0)
        {
            // No answer in time: MeLi may still take this grant (and spend the refresh token). The lease
            // is kept until it ends, so no other worker sends the same token meanwhile; no retry here.
            logger.LogWarning("The token refresh of seller {SellerId} got no answer ({Error}); the refresh lease is kept until it ends", row.SellerId, ex.Error);
            throw;
        }
        catch
        {
            await sellers.ReleaseLeaseAsync(row.SellerId, lease, CancellationToken.None);
            throw;
        }

        return await StoreAsync(row, tokens, lease);
    }

    /// <summary>
    /// Stores the pair MeLi just issued. If the row changed meanwhile (412), it is read again: while it
    /// still holds the refresh token this grant spent, ours is the newest pair and is written over it;
    /// a row holding another pair was written after MeLi issued ours (a reconnect, a later refresh),
    /// so that pair is the newest and is kept.
    /// </summary>
    private async Task<string> StoreAsync(SellerTokens used, TokenResponse tokens, Azure.ETag etag)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            if (await sellers.StoreRefreshedAsync(used.SellerId, tokens, etag, CancellationToken.None))
            {
                logger.LogInformation("Refreshed the access token of seller {SellerId}; it expires in {ExpiresIn} s", used.SellerId, tokens.ExpiresIn);
                return tokens.AccessToken;
            }

            var now = await sellers.GetTokensAsync(used.SellerId, CancellationToken.None);
            if (now is null)
            {
                return tokens.AccessToken;
            }

            if (now.RefreshToken != used.RefreshToken)
            {
                logger.LogInformation("Seller {SellerId}'s row got a newer token pair while refreshing; keeping it", used.SellerId);
                return now.AccessToken;
            }

            etag = now.ETag;
        }

        throw new MeliApiException(MeliErrorKind.Transient, 0, "token_store_conflict", $"seller {used.SellerId}'s row kept changing while storing refreshed tokens");
    }
}
