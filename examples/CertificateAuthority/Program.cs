// The "ca" service: signs workload certificates over mTLS with the CA in MICRO_IDENTITY_CA_PATH (default ~/.micro/ca,
// created on first use), so that other hosts need a join token and the root, never the CA's key.
//   MICRO_TLS=strict dotnet run --project examples/CertificateAuthority -- --address 10.0.0.5:8443
//   dotnet run --project examples/CertificateAuthority -- --join greeter    (prints a join token for greeter; the root is <CaPath>/root.pem)
using Micro;
using Micro.Identity;

var builder = MicroService.CreateBuilder(args, "ca");
if (builder.Configuration["join"] is { } service)
{
    var options = IdentityOptions.From(builder.Configuration);
    using var authority = CertificateAuthority.LoadOrCreate(options.ResolvedCaPath, options.TrustDomain);
    Console.WriteLine(authority.CreateJoinToken(service));
    Console.Error.WriteLine($"trust bundle (roots): {Path.Combine(options.ResolvedCaPath, "root.pem")}");
    return;
}
builder.ServeCertificateAuthority();
await builder.Build().RunAsync();
