using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Client;
using Micro.Errors;
using Micro.Store;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Micro.Tests.Auth;

/// <summary>
/// One auth-enabled service ("b") on a real socket; every attack goes over the wire as a call's
/// authorization header and must come back 401 micro.unauthorized, logged exactly once, with no
/// token in the log.
/// </summary>
public sealed class JwtAttackFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; } = new();
    public MemoryStore Store { get; } = new();
    internal LogCapture Logs { get; } = new();
    public MicroApp App { get; private set; } = null!;
    public JwtAuth Auth => (JwtAuth)App.Services.GetRequiredService<IAuth>();
    public MicroClient Client { get; private set; } = null!;
    public string Kid { get; private set; } = "";
    public ECDsa Key { get; private set; } = null!;
    public byte[] PublicKey { get; private set; } = [];
    public AuthToken ForB { get; private set; } = null!;
    public AuthToken ForA { get; private set; } = null!;
    public HttpListener JwksServer { get; } = new();
    public int JwksHits;
    public string JwksUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        App = await AuthCluster.StartAsync(Cluster, Store, "b", b => b.Handle<Echo, EchoReply>("B.Echo", (req, ctx) => new EchoReply(req.Text, ctx.Account?.Id ?? "<anonymous>")), Logs);
        await Auth.GrantAsync(new Rule { Id = "accounts-call-b", Scope = Rule.AnyAccountScope, Resource = new Resource("service", "b", "*") });
        var ada = await Auth.GenerateAsync("ada", Account.UserType, ["reader"]);
        ForB = await Auth.TokenAsync(TokenRequest.FromCredentials("ada", ada.Secret!, "b"));
        ForA = await Auth.TokenAsync(TokenRequest.FromCredentials("ada", ada.Secret!, "a"));
        (Kid, Key, PublicKey) = await Forge.StoredKeyAsync(Store, "micro");
        Client = Cluster.CreateClient(new ClientOptions { Retries = 0 });

        var port = FreePort();
        JwksUrl = $"http://127.0.0.1:{port}/jwks";
        JwksServer.Prefixes.Add($"http://127.0.0.1:{port}/");
        JwksServer.Start();
        _ = Task.Run(async () =>
        {
            while (JwksServer.IsListening)
            {
                try
                {
                    var context = await JwksServer.GetContextAsync();
                    Interlocked.Increment(ref JwksHits);
                    context.Response.StatusCode = 200;
                    context.Response.Close();
                }
                catch (Exception) when (!JwksServer.IsListening) { return; }
                catch (HttpListenerException) { return; }
            }
        });
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    internal Task<EchoReply> CallAsync(string? authorization)
    {
        var metadata = authorization is null ? null : new Dictionary<string, string> { ["authorization"] = authorization };
        return Client.CallAsync<Echo, EchoReply>("b", "B.Echo", new Echo("hi"), new CallOptions { Address = App.Address, Metadata = metadata });
    }

    public async Task DisposeAsync()
    {
        JwksServer.Stop();
        JwksServer.Close();
        await Client.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

public class JwtAttackTests(JwtAttackFixture f) : IClassFixture<JwtAttackFixture>
{
    private string Valid => f.ForB.AccessToken;

    private string Attack(string name)
    {
        var now = Forge.Now;
        var payload = Forge.Payload("b");
        var parts = Valid.Split('.');
        switch (name)
        {
            case "alg none": return Forge.Unsigned(Forge.Header("none", f.Kid), payload);
            case "alg None": return Forge.Unsigned(Forge.Header("None", f.Kid), payload);
            case "alg NONE": return Forge.Unsigned(Forge.Header("NONE", f.Kid), payload);
            case "alg nOnE signed": return Forge.Unsigned(Forge.Header("nOnE", f.Kid), payload) + parts[2];
            case "HS256 with the public key as secret":
            {
                var input = Forge.B64(Forge.Header("HS256", f.Kid)) + "." + Forge.B64(payload);
                return input + "." + Forge.B64(HMACSHA256.HashData(f.PublicKey, Encoding.ASCII.GetBytes(input)));
            }
            case "HS256 with the public key PEM as secret":
            {
                var pem = Encoding.ASCII.GetBytes(f.Key.ExportSubjectPublicKeyInfoPem());
                var input = Forge.B64(Forge.Header("HS256", f.Kid)) + "." + Forge.B64(payload);
                return input + "." + Forge.B64(HMACSHA256.HashData(pem, Encoding.ASCII.GetBytes(input)));
            }
            case "RS256 with an attacker key":
            {
                using var rsa = RSA.Create(2048);
                var input = Forge.B64(Forge.Header("RS256", f.Kid)) + "." + Forge.B64(payload);
                return input + "." + Forge.B64(rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }
            case "ES384 (other alg)":
            {
                using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
                var input = Forge.B64(Forge.Header("ES384", f.Kid)) + "." + Forge.B64(payload);
                return input + "." + Forge.B64(p384.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA384));
            }
            case "ES512 label on the real key":
            {
                var input = Forge.B64(Forge.Header("ES512", f.Kid)) + "." + Forge.B64(payload);
                return input + "." + Forge.B64(f.Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA512));
            }
            case "tampered payload":
                return parts[0] + "." + Forge.B64(Forge.Payload("b", sub: "root", scope: "admin")) + "." + parts[2];
            case "flipped signature bits":
            {
                var sig = Base64UrlEncoder.DecodeBytes(parts[2]);
                sig[10] ^= 0x01;
                sig[^1] ^= 0x80;
                return parts[0] + "." + parts[1] + "." + Forge.B64(sig);
            }
            case "stripped signature": return parts[0] + "." + parts[1] + ".";
            case "two parts only": return parts[0] + "." + parts[1];
            case "expired": return Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid), Forge.Payload("b", exp: now - 120, nbf: now - 600));
            case "expired just past the 30 s skew": return Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid), Forge.Payload("b", exp: now - 40, nbf: now - 600));
            case "nbf in the future": return Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid), Forge.Payload("b", nbf: now + 120, exp: now + 600));
            case "missing exp": return Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid), Forge.Payload("b", exp: null));
            case "wrong iss": return Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid), Forge.Payload("b", iss: "evil"));
            case "missing iss": return Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid), Forge.Payload("b", iss: null));
            case "token for service a replayed at b": return f.ForA.AccessToken;
            case "wrong typ": return Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid, typ: "JWT"), payload);
            case "unknown kid, attacker key":
            {
                using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                return Forge.SignEs256(attacker, Forge.Header("ES256", "attacker-kid"), payload);
            }
            case "unknown kid, real key (no fallback to other keys)": return Forge.SignEs256(f.Key, Forge.Header("ES256", "not-" + f.Kid), payload);
            case "no kid, real key": return Forge.SignEs256(f.Key, Forge.Header("ES256", null), payload);
            case "jku/x5u/jwk headers with an attacker key":
            {
                using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var q = attacker.ExportParameters(false).Q;
                var jwk = $",\"jwk\":{{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{Forge.B64(q.X!)}\",\"y\":\"{Forge.B64(q.Y!)}\",\"kid\":\"attacker\"}}";
                return Forge.SignEs256(attacker, Forge.Header("ES256", "attacker", extra: $",\"jku\":\"{f.JwksUrl}\",\"x5u\":\"{f.JwksUrl}\"" + jwk), payload);
            }
            case "jwk header naming the real kid with an attacker key":
            {
                using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var q = attacker.ExportParameters(false).Q;
                var jwk = $",\"jwk\":{{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{Forge.B64(q.X!)}\",\"y\":\"{Forge.B64(q.Y!)}\",\"kid\":\"{f.Kid}\"}}";
                return Forge.SignEs256(attacker, Forge.Header("ES256", f.Kid, extra: jwk + $",\"jku\":\"{f.JwksUrl}\""), payload);
            }
            case "refresh token as access token": return f.ForB.RefreshToken;
            case "oversized token": return Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid), Forge.Payload("b", scope: new string('a', 9000)));
            case "malformed base64": return "eyJhbGciOiJFUzI1NiJ9.%%%%.abc";
            case "base64 of not JSON": return Forge.B64("not json") + "." + Forge.B64("{]") + "." + parts[2];
            case "header JSON array": return Forge.B64("[1,2]") + "." + parts[1] + "." + parts[2];
            case "random dots": return "a.b.c";
            case "five parts (JWE shape)": return "a.b.c.d.e";
            default: throw new ArgumentException(name);
        }
    }

    [Theory]
    [InlineData("alg none")]
    [InlineData("alg None")]
    [InlineData("alg NONE")]
    [InlineData("alg nOnE signed")]
    [InlineData("HS256 with the public key as secret")]
    [InlineData("HS256 with the public key PEM as secret")]
    [InlineData("RS256 with an attacker key")]
    [InlineData("ES384 (other alg)")]
    [InlineData("ES512 label on the real key")]
    [InlineData("tampered payload")]
    [InlineData("flipped signature bits")]
    [InlineData("stripped signature")]
    [InlineData("two parts only")]
    [InlineData("expired")]
    [InlineData("expired just past the 30 s skew")]
    [InlineData("nbf in the future")]
    [InlineData("missing exp")]
    [InlineData("wrong iss")]
    [InlineData("missing iss")]
    [InlineData("token for service a replayed at b")]
    [InlineData("wrong typ")]
    [InlineData("unknown kid, attacker key")]
    [InlineData("unknown kid, real key (no fallback to other keys)")]
    [InlineData("no kid, real key")]
    [InlineData("jku/x5u/jwk headers with an attacker key")]
    [InlineData("jwk header naming the real kid with an attacker key")]
    [InlineData("refresh token as access token")]
    [InlineData("oversized token")]
    [InlineData("malformed base64")]
    [InlineData("base64 of not JSON")]
    [InlineData("header JSON array")]
    [InlineData("random dots")]
    [InlineData("five parts (JWE shape)")]
    public async Task Forged_token_is_refused_with_401_and_logged_once(string attack)
    {
        var token = Attack(attack);
        await AssertRefusedAsync(BearerToken.Format(token), token);
    }

    [Theory]
    [InlineData("bearer {0}")]
    [InlineData("BEARER {0}")]
    [InlineData("Bearer  {0}")]
    [InlineData(" Bearer {0}")]
    [InlineData("Bearer {0} ")]
    [InlineData("Bearer\t{0}")]
    [InlineData("{0}")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Token {0}")]
    [InlineData("Bearer {0},Bearer {0}")]
    public async Task Authorization_header_variants_are_refused_with_401_and_logged_once(string format)
    {
        await AssertRefusedAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Valid), Valid);
    }

    [Fact]
    public async Task The_valid_token_is_accepted_so_the_refusals_above_are_about_the_attack()
    {
        var reply = await f.CallAsync(BearerToken.Format(Valid));
        Assert.Equal("ada", reply.Node);
    }

    [Fact]
    public async Task Expired_within_the_skew_is_still_accepted()
    {
        var now = Forge.Now;
        var token = Forge.SignEs256(f.Key, Forge.Header("ES256", f.Kid), Forge.Payload("b", exp: now - 15, nbf: now - 600));
        var reply = await f.CallAsync(BearerToken.Format(token));
        Assert.Equal("ada", reply.Node);
    }

    [Fact]
    public async Task No_token_on_a_protected_endpoint_is_401()
    {
        var error = await Assert.ThrowsAsync<MicroException>(() => f.CallAsync(null));
        Assert.Equal((ErrorCodes.Unauthorized, 401), (error.Id, error.Code));
    }

    [Fact]
    public async Task Jku_and_x5u_are_never_fetched()
    {
        await AssertRefusedAsync(BearerToken.Format(Attack("jku/x5u/jwk headers with an attacker key")), null);
        await AssertRefusedAsync(BearerToken.Format(Attack("jwk header naming the real kid with an attacker key")), null);
        Assert.Equal(0, Volatile.Read(ref f.JwksHits));
    }

    [Fact]
    public async Task Plain_http_callers_get_the_same_401()
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        foreach (var header in new[] { null, "Basic dXNlcjpwYXNz", BearerToken.Format(Attack("alg none")), BearerToken.Format(f.ForA.AccessToken) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{f.App.Address}/b.B/Echo") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new StringContent("{\"text\":\"hi\"}", Encoding.UTF8, "application/json") };
            if (header is not null) request.Headers.TryAddWithoutValidation("authorization", header);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{header}: {response.StatusCode} {body}");
            Assert.Contains(ErrorCodes.Unauthorized, body);
        }
        using var ok = new HttpRequestMessage(HttpMethod.Post, $"http://{f.App.Address}/b.B/Echo") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new StringContent("{\"text\":\"hi\"}", Encoding.UTF8, "application/json") };
        ok.Headers.TryAddWithoutValidation("authorization", BearerToken.Format(Valid));
        using var accepted = await http.SendAsync(ok);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Access_token_is_not_a_refresh_token()
    {
        var error = await Assert.ThrowsAsync<MicroException>(async () => await f.Auth.TokenAsync(TokenRequest.FromRefreshToken(Valid, "b")));
        Assert.Equal(401, error.Code);
        var refreshed = await f.Auth.TokenAsync(TokenRequest.FromRefreshToken(f.ForB.RefreshToken, "b"));
        Assert.Equal("ada", (await f.Auth.InspectAsync(refreshed.AccessToken, "b")).Id);
    }

    [Fact]
    public async Task Wrong_secret_and_unknown_account_get_the_same_401()
    {
        var wrong = await Assert.ThrowsAsync<MicroException>(async () => await f.Auth.TokenAsync(TokenRequest.FromCredentials("ada", "guess", "b")));
        var unknown = await Assert.ThrowsAsync<MicroException>(async () => await f.Auth.TokenAsync(TokenRequest.FromCredentials("nobody", "guess", "b")));
        Assert.Equal((401, wrong.Detail), (unknown.Code, unknown.Detail));
    }

    private async Task AssertRefusedAsync(string authorization, string? token)
    {
        f.Logs.Clear();
        var error = await Assert.ThrowsAsync<MicroException>(() => f.CallAsync(authorization));
        Assert.Equal((ErrorCodes.Unauthorized, 401), (error.Id, error.Code));
        var warnings = f.Logs.AuthWarnings();
        Assert.True(warnings.Count == 1, $"expected one auth warning, got: {string.Join(" | ", warnings)}");
        if (token is not null)
        {
            // Any long part of the token (short ones like "a" occur in every sentence).
            var parts = token.Split('.').Where(p => p.Length >= 16).Append(token).Where(p => p.Length >= 16).ToList();
            Assert.DoesNotContain(f.Logs.Entries, e => parts.Any(p => e.Message.Contains(p, StringComparison.Ordinal)));
        }
    }
}
