using Micro.Auth.Jwt;
using Micro.Errors;
using Micro.Middleware;
using Microsoft.Extensions.Logging;

namespace Micro.Auth;

/// <summary>
/// Enforces the rules on every call a service serves, gRPC and plain HTTP, unary and streaming (the
/// server runs its middleware on both paths). A malformed or invalid token: 401
/// <c>micro.unauthorized</c>. No token and no rule that lets anonymous callers in: 401. A valid token the
/// rules deny: 403 <c>micro.forbidden</c>, with the deciding rule. The caller's account is put on
/// <see cref="Server.CallContext.Account"/> for the handler.
/// </summary>
internal sealed partial class AuthServerMiddleware(IAuth auth, AuthOptions options, ILogger<AuthServerMiddleware> logger) : IServerMiddleware
{
    /// <summary>The auth whose tokens and rules decide.</summary>
    internal IAuth Auth => auth;

    /// <summary>Authenticates the caller, applies the rules to the endpoint, then runs the rest of the pipeline.</summary>
    public ValueTask<object?> InvokeAsync(ServerCall call, ServerCallHandler next)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(next);
        if (auth is JwtAuth jwt && !jwt.IsReady) return WhenReadyAsync(jwt, call, next);
        var context = call.Context;
        var account = Authenticate(context.Header(BearerToken.Header), context.Service, context.CancellationToken);
        if (!account.IsCompletedSuccessfully) return AuthorizeLaterAsync(account, call, next);
        Authorize(account.Result, call);
        return next(call);
    }

    private async ValueTask<object?> WhenReadyAsync(JwtAuth jwt, ServerCall call, ServerCallHandler next)
    {
        await jwt.ReadyAsync(call.Context.CancellationToken).ConfigureAwait(false);
        return await InvokeAsync(call, next).ConfigureAwait(false);
    }

    private async ValueTask<object?> AuthorizeLaterAsync(ValueTask<Account?> account, ServerCall call, ServerCallHandler next)
    {
        Authorize(await account.ConfigureAwait(false), call);
        return await next(call).ConfigureAwait(false);
    }

    /// <summary>The caller's account; null for a caller without a token. Throws 401 for a bad header or token.</summary>
    internal ValueTask<Account?> Authenticate(string? header, string audience, CancellationToken cancellationToken)
    {
        if (!BearerToken.TryParse(header, options.MaxTokenSize, out ReadOnlySpan<char> span))
        {
            Log.MalformedHeader(logger, audience);
            throw JwtAuth.Unauthorized("malformed authorization header: expected 'Bearer <token>'");
        }
        if (span.IsEmpty) return ValueTask.FromResult<Account?>(null);
        if (auth is JwtAuth jwt && jwt.TryGetCached(span, audience, out var cached)) return ValueTask.FromResult<Account?>(cached);
        var token = span.ToString();
        var inspected = auth.InspectAsync(token, audience, cancellationToken);
        return inspected.IsCompletedSuccessfully ? ValueTask.FromResult<Account?>(inspected.Result) : Await(inspected);

        static async ValueTask<Account?> Await(ValueTask<Account> pending) => await pending.ConfigureAwait(false);
    }

    private void Authorize(Account? account, ServerCall call)
    {
        var context = call.Context;
        account ??= context.PeerIdentity?.Account; // no token: the service its mTLS certificate proves, if any
        var granted = auth is JwtAuth jwt
            ? jwt.CurrentRules.IsGranted(account, Resource.ServiceType, context.Service, context.Endpoint)
            : auth.Verify(account, Resource.Service(context.Service, context.Endpoint)).Granted;
        if (!granted)
            Check(account, Resource.Service(context.Service, context.Endpoint)); // throws, explaining why
        context.Account = account;
    }

    /// <summary>Throws 401 (anonymous) or 403 (account) when the rules deny <paramref name="resource"/>.</summary>
    internal void Check(Account? account, Resource resource)
    {
        var decision = auth.Verify(account, resource);
        if (decision.Granted) return;
        Log.Denied(logger, decision.Explain(resource, account));
        if (account is null)
            throw JwtAuth.Unauthorized($"{resource.Name} {resource.Endpoint} requires authentication");
        throw new MicroException(ErrorCodes.Forbidden, 403, decision.DecidingRule is null
            ? $"account '{account.Id}' may not use {resource}: no rule grants it"
            : $"account '{account.Id}' may not use {resource}: denied by rule '{decision.DecidingRule.Id}'");
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Warning, "Auth rejected a call to {Service}: malformed authorization header")]
        public static partial void MalformedHeader(ILogger logger, string service);

        [LoggerMessage(31, LogLevel.Information, "Auth: {Explanation}")]
        public static partial void Denied(ILogger logger, string explanation);
    }
}
