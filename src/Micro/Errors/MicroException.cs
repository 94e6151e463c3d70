using Micro.Errors;

namespace Micro;

/// <summary>
/// The one error type of Micro. It crosses the wire both ways: a handler throws it, the caller
/// catches the same id, code and detail. <see cref="Code"/> follows HTTP status codes.
/// </summary>
public class MicroException : Exception
{
    /// <summary>An error to throw from a handler or client; it reaches the caller with the same id, code and detail.</summary>
    /// <param name="id">Stable machine-readable id, e.g. <c>greeter.name.empty</c>.</param>
    /// <param name="code">HTTP-style status code.</param>
    /// <param name="detail">Human-readable detail sent to the caller; keep secrets and stack traces out.</param>
    /// <param name="inner">The local cause; it does not cross the wire.</param>
    public MicroException(string id, int code, string detail, Exception? inner = null)
        : base($"{id} ({code}): {detail}", inner)
    {
        Id = id;
        Code = code;
        Detail = detail;
    }

    /// <summary>Stable, machine-readable error id, e.g. <c>micro.endpoint.not_found</c>.</summary>
    public string Id { get; }

    /// <summary>HTTP-style status code: 400, 404, 408, 500, ...</summary>
    public int Code { get; }

    /// <summary>Human-readable detail; never a stack trace.</summary>
    public string Detail { get; }

    /// <summary>
    /// True when a Micro client raised this error for a call it made (the error came from another service, or from
    /// the way there). A server that lets it escape a handler answers <c>micro.downstream</c> instead of claiming it.
    /// </summary>
    public bool RaisedByClient { get; internal set; }

    /// <summary>The reason phrase of <see cref="Code"/>, e.g. "Not Found".</summary>
    public string Status => ErrorCodes.StatusText(Code);

    /// <summary>A 400 error with <paramref name="id"/> and <paramref name="detail"/>.</summary>
    public static MicroException BadRequest(string id, string detail) => new(id, 400, detail);
    /// <summary>A 404 error with <paramref name="id"/> and <paramref name="detail"/>.</summary>
    public static MicroException NotFound(string id, string detail) => new(id, 404, detail);
    /// <summary>A 408 error with <paramref name="id"/> and <paramref name="detail"/>.</summary>
    public static MicroException Timeout(string id, string detail) => new(id, 408, detail);
    /// <summary>A 409 error with <paramref name="id"/> and <paramref name="detail"/>.</summary>
    public static MicroException Conflict(string id, string detail) => new(id, 409, detail);
    /// <summary>A 500 error with <paramref name="id"/> and <paramref name="detail"/>.</summary>
    public static MicroException InternalServerError(string id, string detail) => new(id, 500, detail);
    /// <summary>A 503 error with <paramref name="id"/> and <paramref name="detail"/>.</summary>
    public static MicroException Unavailable(string id, string detail) => new(id, 503, detail);
}
