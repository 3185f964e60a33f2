using System.Text;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.Faults;
using MeliFunctions.Sandbox.OAuth;
using MeliFunctions.Sandbox.World;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace MeliFunctions.Sandbox.Api;

/// <summary>
/// In front of the MeLi API routes: records and logs each call (redacting secrets), checks the
/// Bearer token, and applies the per-seller quota and the latency, 429, 5xx and late-answer faults. Admin routes pass straight through.
/// </summary>
internal sealed class ApiGate(RequestDelegate next, SandboxWorld world, TokenStore tokens, FaultBook faults, RequestLog log, ILogger<ApiGate> logger)
{
    public const string SellerKey = "meli.seller_id";

    private static readonly string[] SecretFields = ["client_secret", "code", "refresh_token", "access_token", "code_verifier"];

    public static bool IsAdmin(PathString path) => path.StartsWithSegments("/_sandbox");

    private static bool IsPublic(PathString path) =>
        path.StartsWithSegments("/oauth") || path.StartsWithSegments("/authorization") || path.StartsWithSegments("/currency_conversions");

    public static long? SellerOf(HttpContext context) => context.Items.TryGetValue(SellerKey, out var v) ? v as long? : null;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsAdmin(request.Path))
        {
            await next(context);
            return;
        }

        var arrived = world.Now;
        string? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            request.EnableBuffering();
            using var reader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
            body = await reader.ReadToEndAsync(context.RequestAborted);
            request.Body.Position = 0;
            if (request.HasFormContentType)
            {
                body = RedactForm(body);
            }
        }

        try
        {
            await GateAsync(context);
        }
        finally
        {
            var seller = SellerOf(context);
            var query = RedactQuery(request.QueryString.Value ?? "");
            log.Add(request.Method, request.Path.Value ?? "", query, body, seller, context.Response.StatusCode, arrived);
            logger.LogInformation("API {Method} {Path} seller {SellerId} -> {Status}", request.Method, request.Path.Value, seller, context.Response.StatusCode);
        }
    }

    private async Task GateAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsPublic(request.Path))
        {
            await next(context);
            return;
        }

        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            await MeliJson.Error(401, "not_identified_user", "Can not identify the user. Send an access token in the Authorization header.").ExecuteAsync(context);
            return;
        }
        long? seller;
        lock (world.Sync)
        {
            seller = tokens.Validate(header[7..].Trim());
        }
        if (seller is null)
        {
            await MeliJson.InvalidToken().ExecuteAsync(context);
            return;
        }
        context.Items[SellerKey] = seller.Value;

        var active = faults.For(seller);
        if (!faults.Admit(seller.Value, active.QuotaPerSecond, world.Now))
        {
            await MeliJson.Error(429, "too_many_requests", "Too Many Requests").ExecuteAsync(context);
            return;
        }
        if (active.LatencyMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(active.LatencyMs), world.Time, context.RequestAborted);
        }

        if (faults.Roll(active.Rate429))
        {
            await MeliJson.Error(429, "too_many_requests", "Too Many Requests").ExecuteAsync(context);
            return;
        }
        if (faults.Roll(active.Rate5xx))
        {
            await MeliJson.Error(503, "service_unavailable", "Service temporarily unavailable").ExecuteAsync(context);
            return;
        }
        if (active.LateWriteAnswerMs > 0 && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            await AnswerLateAsync(context, TimeSpan.FromMilliseconds(active.LateWriteAnswerMs));
            return;
        }
        await next(context);
    }

    /// <summary>
    /// The write is done at once and its answer held back: a caller that gives up first does not
    /// know the outcome, but the change stands (what a slow MeLi does to a timed-out POST).
    /// </summary>
    private async Task AnswerLateAsync(HttpContext context, TimeSpan delay)
    {
        var original = context.Response.Body;
        using var held = new MemoryStream();
        context.Response.Body = held;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        try
        {
            await Task.Delay(delay, world.Time, context.RequestAborted);
            held.Position = 0;
            context.Response.ContentLength = held.Length;
            await held.CopyToAsync(original, context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The caller gave up before the answer: the write is done all the same.
        }
    }

    private static string RedactForm(string body)
    {
        var fields = QueryHelpers.ParseQuery(body);
        var parts = fields.Select(kv =>
            $"{Uri.EscapeDataString(kv.Key)}={(SecretFields.Contains(kv.Key) ? "***" : Uri.EscapeDataString(kv.Value.ToString()))}");
        return string.Join('&', parts);
    }

    private static string RedactQuery(string query)
    {
        if (query.Length == 0)
        {
            return query;
        }

        var fields = QueryHelpers.ParseQuery(query);
        if (!fields.Keys.Any(k => SecretFields.Contains(k)))
        {
            return query;
        }

        var redacted = fields.ToDictionary(kv => kv.Key, kv => SecretFields.Contains(kv.Key) ? new StringValues("***") : kv.Value);
        return QueryString.Create(redacted).Value ?? "";
    }
}
