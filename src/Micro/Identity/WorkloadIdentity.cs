using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Identity;

/// <summary>
/// This process's identity: a key made here (it never leaves the process), a CSR, and the short-lived certificate the CA
/// returns. Renewed with a fresh key at about half of the lifetime (±10 % jitter, so a fleet started together does not
/// renew together), authenticated by the current certificate. New connections pick up the new certificate; connections
/// open keep theirs, so no call in flight fails.
/// </summary>
public sealed partial class WorkloadIdentity : IAsyncDisposable
{
    private readonly ICertificateIssuer _issuer;
    private readonly IReadOnlyList<string> _extraRoots;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private volatile WorkloadCertificate? _current;
    private volatile TrustBundle? _bundle;
    private Task? _loop;

    /// <summary>The identity of <paramref name="service"/> in <paramref name="trustDomain"/>, issued by <paramref name="issuer"/>.</summary>
    public WorkloadIdentity(string service, string trustDomain, ICertificateIssuer issuer, IdentityDenyList? denyList = null,
        IReadOnlyList<string>? extraRootFiles = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (!SpiffeId.IsValidName(service)) throw new ArgumentException($"'{service}' is not a valid service name", nameof(service));
        Id = new SpiffeId(trustDomain, service);
        _issuer = issuer;
        _extraRoots = extraRootFiles ?? [];
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        DenyList = denyList;
        Validator = new CertificateValidator(() => Bundle, trustDomain, denyList, _time);
    }

    /// <summary>Who this process is.</summary>
    public SpiffeId Id { get; }

    /// <summary>The current certificate (after <see cref="StartAsync"/>).</summary>
    public WorkloadCertificate Current => _current ?? throw new InvalidOperationException($"identity {Id} has no certificate yet: start it first");

    /// <summary>The roots (and issuing chain) peers must chain to.</summary>
    public TrustBundle Bundle => _bundle ?? throw new InvalidOperationException($"identity {Id} has no trust bundle yet: start it first");

    /// <summary>The deny-list servers and clients of this process honour; null = none.</summary>
    public IdentityDenyList? DenyList { get; }

    /// <summary>Raised after each new certificate (first one included).</summary>
    public event Action<WorkloadCertificate>? Renewed;

    internal CertificateValidator Validator { get; }

    /// <summary>Gets the first certificate, then renews in the background until disposed. Idempotent.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_current is null) await RenewAsync(cancellationToken).ConfigureAwait(false);
        if (DenyList is not null) await DenyList.StartAsync(cancellationToken).ConfigureAwait(false);
        lock (_stop) _loop ??= RenewLoopAsync(_stop.Token);
    }

    /// <summary>A new key and certificate now (the renewal loop calls this at about half of the lifetime).</summary>
    public async Task<WorkloadCertificate> RenewAsync(CancellationToken cancellationToken = default)
    {
        await _renewing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _current;
            var credential = current is not null && current.NotAfter > _time.GetUtcNow()
                ? new IssuanceCredential.Renewal(current.Certificate)
                : await _issuer.BootstrapCredentialAsync(Id.Service, cancellationToken).ConfigureAwait(false);
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var csr = new CertificateRequest("CN=" + Id.Service, key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
            var issued = await _issuer.IssueAsync(csr, credential, cancellationToken).ConfigureAwait(false);

            using var leafPublic = X509Certificate2.CreateFromPem(issued.CertificatePem);
            var leaf = leafPublic.CopyWithPrivateKey(key);
            var chain = new X509Certificate2Collection();
            if (issued.ChainPem.Length > 0) chain.ImportFromPem(issued.ChainPem);
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(issued.TrustBundlePem);
            var bundle = new TrustBundle(roots, chain).WithRootsFrom(_extraRoots);

            // The CA decides the identity; a certificate for anyone else is the CA's mistake, and is not used.
            var id = new CertificateValidator(() => bundle, Id.TrustDomain, null, _time).Validate(leaf, chain, CertificateValidator.Purpose.Any, out var reason);
            if (id != Id) throw new IdentityException($"the CA issued an unusable certificate for {Id}: {(id is null ? reason : "it names " + id)}");

            var next = new WorkloadCertificate(leaf, chain, Id);
            _bundle = bundle;
            _current = next; // old certificates stay alive: connections opened with them still use them
            Issued(_logger, Id.ToString(), next.NotAfter);
            Renewed?.Invoke(next);
            return next;
        }
        finally
        {
            _renewing.Release();
        }
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var current = Current;
            var lifetime = current.NotAfter - current.NotBefore;
            var wait = current.NotBefore + lifetime * (0.4 + 0.2 * Random.Shared.NextDouble()) - _time.GetUtcNow();
            try
            {
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                if (ReferenceEquals(current, _current)) await RenewAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Retry well before expiry: a tenth of what is left, between 1 s and 1 min; the next turn renews at once.
                var left = current.NotAfter - _time.GetUtcNow();
                var retry = TimeSpan.FromTicks(Math.Clamp(left.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
                RenewFailed(_logger, Id.ToString(), retry, e);
                try { await Task.Delay(retry, _time, cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Identity {Id}: new certificate valid until {NotAfter:u}")]
    private static partial void Issued(ILogger logger, string id, DateTimeOffset notAfter);

    [LoggerMessage(2, LogLevel.Warning, "Identity {Id}: renewing the certificate failed; retrying in {Retry}")]
    private static partial void RenewFailed(ILogger logger, string id, TimeSpan retry, Exception exception);

    /// <summary>Stops renewing and releases the certificate's key.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? loop;
        lock (_stop) loop = _loop;
        if (loop is not null) await loop.ConfigureAwait(false);
    }
}
