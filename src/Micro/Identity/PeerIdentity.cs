using System.Security.Cryptography.X509Certificates;

namespace Micro.Identity;

/// <summary>
/// The calling service as its mTLS client certificate proves it (<see cref="Server.CallContext.PeerIdentity"/>): rules such as
/// "only orders may call Payments.Charge" check <see cref="Service"/>, no token needed. Null on h2c calls.
/// </summary>
public sealed class PeerIdentity
{
    private static readonly AsyncLocal<PeerIdentity?> CurrentCall = new();

    internal PeerIdentity(SpiffeId id, X509Certificate2 certificate)
    {
        Id = id;
        Certificate = certificate;
        ValidUntil = certificate.NotAfter.ToUniversalTime();
    }

    /// <summary>The caller's SPIFFE identity.</summary>
    public SpiffeId Id { get; }

    /// <summary>The caller's service name (the last segment of <see cref="Id"/>).</summary>
    public string Service => Id.Service;

    /// <summary>The certificate the caller presented (chain and validity already checked by the TLS handshake).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>When the caller's certificate expires (UTC): after it, the caller is refused even on a connection already open.</summary>
    public DateTime ValidUntil { get; }

    /// <summary>
    /// The caller as auth rules see a service without a token: account <see cref="Service"/>, type service, scopes
    /// <c>service</c> and <c>service:&lt;name&gt;</c> — the same as the service's own token would carry, so a rule with
    /// scope <c>service:orders</c> lets only orders in. A bearer token, when sent, wins.
    /// </summary>
    public Auth.Account Account => _account ??= new Auth.Account
    {
        Id = Service, Type = Auth.Account.ServiceType, Scopes = ["service", "service:" + Service],
        Metadata = new Dictionary<string, string> { ["identity"] = Id.ToString() },
    };

    private Auth.Account? _account;

    /// <inheritdoc />
    public override string ToString() => Id.ToString();

    /// <summary>The peer of the request being served on this async flow (set by the server before routing).</summary>
    internal static PeerIdentity? Current
    {
        get => CurrentCall.Value;
        set => CurrentCall.Value = value;
    }
}
