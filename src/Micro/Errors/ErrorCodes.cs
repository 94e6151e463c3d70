namespace Micro.Errors;

/// <summary>The documented error ids Micro itself raises, and the reason phrase of each code.</summary>
public static class ErrorCodes
{
    public const string ServiceNotFound = "micro.service.not_found";        // 404: no node of that service in the registry
    public const string EndpointNotFound = "micro.endpoint.not_found";      // 404: the service has no such endpoint
    public const string MalformedPayload = "micro.payload.malformed";       // 400: the body could not be decoded
    public const string PayloadTooLarge = "micro.payload.too_large";        // 413: larger than the server's limit
    public const string UnsupportedContentType = "micro.codec.unsupported"; // 415: no codec for the content-type
    public const string DeadlineExceeded = "micro.deadline_exceeded";       // 408: the call's deadline passed
    public const string Cancelled = "micro.cancelled";                      // 499: the caller cancelled
    public const string Internal = "micro.internal";                        // 500: a handler threw; detail is generic
    public const string Unavailable = "micro.unavailable";                  // 503: no node answered
    public const string Draining = "micro.node.draining";                   // 503: the node is shutting down and did not run the handler (always safe to retry)
    public const string Downstream = "micro.downstream";                    // 502: a call the handler made to another service failed
    public const string ResponseMalformed = "micro.response.malformed";     // 502: the client could not decode the reply (its types do not match the server's)
    public const string MetadataTooLarge = "micro.metadata.too_large";      // 431: the call's metadata is over the header limit
    public const string Unauthorized = "micro.unauthorized";                // 401
    public const string Forbidden = "micro.forbidden";                      // 403

    public static string StatusText(int code) => code switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        499 => "Client Closed Request",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    };
}
