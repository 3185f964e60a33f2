using MeliFunctions.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace MeliFunctions.App.Functions;

/// <summary>Writes a Core <see cref="ApiResponse"/> as the HTTP answer.</summary>
internal sealed class ApiResponseResult(ApiResponse response) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext.Response;
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
        {
            http.Headers[name] = value;
        }

        if (response.JsonBody is not null)
        {
            http.ContentType = "application/json; charset=utf-8";
            await http.WriteAsync(response.JsonBody, context.HttpContext.RequestAborted);
        }
    }
}

internal static class HttpRequestExtensions
{
    public static IActionResult ToResult(this ApiResponse response) => new ApiResponseResult(response);

    public static Uri BaseUrl(this HttpRequest req) => new($"{req.Scheme}://{req.Host}{req.PathBase}/");
}
