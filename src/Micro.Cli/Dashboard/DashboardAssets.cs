using Microsoft.AspNetCore.Http;

namespace Micro.Cli.Dashboard;

/// <summary>The page's files, embedded in the tool (Dashboard/wwwroot), served with a strict content security policy.</summary>
public static class DashboardAssets
{
    /// <summary>Writes the embedded file <paramref name="name"/>, or 404.</summary>
    public static async Task ServeAsync(HttpContext http, string name)
    {
        ArgumentNullException.ThrowIfNull(http);
        await using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("dashboard/" + name);
        if (stream is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        http.Response.ContentType = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        http.Response.Headers.CacheControl = "no-cache";
        await stream.CopyToAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
    }
}
