namespace Micro.Conformance;

/// <summary>
/// Where the real servers started by <c>scripts/servers.sh start</c> listen. Tests of plug-ins talk
/// to these; when a server is down the test fails (CI starts them), it is never silently skipped.
/// </summary>
public static class TestServers
{
    public static string Etcd => Env("MICRO_TEST_ETCD", "127.0.0.1:23790");
    public static string Redis => Env("MICRO_TEST_REDIS", "127.0.0.1:63790");
    public static string Nats => Env("MICRO_TEST_NATS", "127.0.0.1:42220");
    public static string Postgres => Env("MICRO_TEST_POSTGRES", "Host=127.0.0.1;Port=54329;Username=micro;Database=micro_test");

    private static string Env(string name, string fallback)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? fallback : value;
    }
}
