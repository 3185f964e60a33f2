using MeliFunctions.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace MeliFunctions.Http;

/// <summary>
/// Writes a Core <see cref="ApiResponse"/> as it is: status, headers, and the JSON body if any.
/// An <see cref="IResult"/> for the Server's minimal API and an <see cref="IActionResult"/> for the
/// App's HTTP functions, so both hosts answer byte for byte the same.
/// </summary>
public sealed class ApiResult(ApiResponse response) : IResult, IActionResult
{
    public ApiResponse Response { get; } = response;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var http = httpContext.Response;
        http.StatusCode = Response.StatusCode;
        // Both hosts: answers are data, never to be sniffed as a page, cached, or to leak the URL onwards.
        http.Headers.XContentTypeOptions = "nosniff";
        http.Headers["Referrer-Policy"] = "no-referrer";
        http.Headers.CacheControl = "no-store";
        foreach (var (name, value) in Response.Headers ?? new Dictionary<string, string>())
        {
            http.Headers[name] = value;
        }

        foreach (var cookie in Response.Cookies)
        {
            http.Cookies.Append(cookie.Name, cookie.Value, new CookieOptions
            {
                Path = cookie.Path,
                MaxAge = cookie.MaxAge,
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = cookie.Secure,
                IsEssential = true,
            });
        }

        if (Response.JsonBody is not null)
        {
            http.ContentType = "application/json; charset=utf-8";
            await http.WriteAsync(Response.JsonBody, httpContext.RequestAborted);
        }
    }

    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);
}

public static class ApiResponseExtensions
{
    /// <summary>The HTTP answer for <paramref name="response"/>, in either host.</summary>
    public static ApiResult ToResult(this ApiResponse response) => new(response);
}
