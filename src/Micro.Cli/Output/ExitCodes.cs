using Micro.Errors;

namespace Micro.Cli.Output;

/// <summary>
/// What the <c>micro</c> process returns, so scripts can branch without parsing messages. The same table is in
/// <c>micro --help</c> and the README.
/// </summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Anything else: a CLI-side failure (bad configuration, an unexpected exception).</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or input: unknown option, malformed JSON, bad <c>--metadata</c>, bad duration.</summary>
    public const int Usage = 2;

    /// <summary>Not found: unknown service, endpoint, store key or config path (404).</summary>
    public const int NotFound = 3;

    /// <summary>The service rejected the request: wrong types, bad payload, unauthorised, conflict (4xx other than 404 and 408).</summary>
    public const int Rejected = 4;

    /// <summary>Unavailable: no node answered, node unreachable, or a node is unhealthy (502, 503).</summary>
    public const int Unavailable = 5;

    /// <summary>The deadline passed (408, 504).</summary>
    public const int Timeout = 6;

    /// <summary>The service failed while handling the request (500 and other 5xx).</summary>
    public const int ServiceError = 7;

    /// <summary>Interrupted by Ctrl+C / SIGTERM (or the call was cancelled, 499).</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code for a Micro error, by its HTTP-style code.</summary>
    public static int For(MicroException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Code switch
        {
            404 => NotFound,
            408 or 504 => Timeout,
            502 or 503 => Unavailable,
            499 => Interrupted,
            >= 400 and < 500 => Rejected,
            >= 500 and < 600 => ServiceError,
            _ => Failure,
        };
    }

    /// <summary>The table shown by <c>micro --help</c>.</summary>
    public const string Table =
        "Exit codes: 0 ok, 1 failure, 2 usage or malformed input, 3 not found, 4 rejected by the service (4xx), " +
        "5 unavailable or unhealthy, 6 timeout, 7 service error (5xx), 130 interrupted.";
}
