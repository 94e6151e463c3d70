namespace Micro.Identity;

/// <summary>
/// Request paths an mTLS listener serves to callers without a client certificate: only the CA service's
/// <c>Ca.Sign</c>, which a workload calls before it has a certificate (it authenticates with a join token instead).
/// When registered, the handshake lets certificate-less clients in and <see cref="PeerIdentityMiddleware"/> refuses
/// them every other path. A certificate that is presented is still checked in full.
/// </summary>
internal sealed class AnonymousTlsPaths(IEnumerable<string> paths)
{
    public IReadOnlySet<string> Paths { get; } = new HashSet<string>(paths, StringComparer.Ordinal);
}
