using Micro.Client;
using Micro.Server;

namespace Micro.Auth;

/// <summary>Auth-related tweaks to a single call's <see cref="CallOptions"/>.</summary>
public static class CallOptionsAuthExtensions
{
    /// <summary>
    /// Sends the incoming caller's token on this call instead of the service's own (forwarding a user's
    /// identity). The callee must be in the token's audiences, or it refuses it (401).
    /// </summary>
    public static CallOptions WithCallerToken(this CallOptions options, CallContext caller)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(caller);
        var header = caller.Header(BearerToken.Header);
        if (header is null) return options;
        var metadata = options.Metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(options.Metadata);
        metadata[BearerToken.Header] = header;
        return options with { Metadata = metadata };
    }
}
