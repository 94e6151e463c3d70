namespace Micro.Errors;

/// <summary>The documented error ids Micro itself raises, and the reason phrase of each code.</summary>
public static class ErrorCodes
{
    /// <summary>404: no node of that service in the registry.</summary>
    public const string ServiceNotFound = "micro.service.not_found";
    /// <summary>404: the service has no such endpoint.</summary>
    public const string EndpointNotFound = "micro.endpoint.not_found";
    /// <summary>400: the body could not be decoded.</summary>
    public const string MalformedPayload = "micro.payload.malformed";
    /// <summary>413: larger than the server's limit.</summary>
    public const string PayloadTooLarge = "micro.payload.too_large";
    /// <summary>415: no codec for the content-type.</summary>
    public const string UnsupportedContentType = "micro.codec.unsupported";
    /// <summary>408: the call's deadline passed.</summary>
    public const string DeadlineExceeded = "micro.deadline_exceeded";
    /// <summary>499: the caller cancelled.</summary>
    public const string Cancelled = "micro.cancelled";
    /// <summary>500: a handler threw; detail is generic.</summary>
    public const string Internal = "micro.internal";
    /// <summary>503: no node answered.</summary>
    public const string Unavailable = "micro.unavailable";
    /// <summary>503: the node is shutting down and did not run the handler (always safe to retry).</summary>
    public const string Draining = "micro.node.draining";
    /// <summary>502: a call the handler made to another service failed.</summary>
    public const string Downstream = "micro.downstream";
    /// <summary>502: the client could not decode the reply (its types do not match the server's).</summary>
    public const string ResponseMalformed = "micro.response.malformed";
    /// <summary>431: the call's metadata is over the header limit.</summary>
    public const string MetadataTooLarge = "micro.metadata.too_large";
    /// <summary>401: no valid token for a call that needs one.</summary>
    public const string Unauthorized = "micro.unauthorized";
    /// <summary>403: the caller's account is not allowed this resource.</summary>
    public const string Forbidden = "micro.forbidden";

    /// <summary>The HTTP reason phrase of <paramref name="code"/> ("Not Found"), or "Error" for codes Micro does not use.</summary>
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
