using Micro.Auth;

namespace Micro.Tests.Auth;

/// <summary>Go Micro's rule cases (auth/rules_test.go), plus the places where we decide differently or more strictly.</summary>
public class RuleTests
{
    private static readonly Resource Srv = Resource.Service("go.micro.service.foo", "Foo.Bar");
    private static readonly Resource Web = new("web", "go.micro.web.foo", "/foo/bar");
    private static readonly Account Acc = new() { Id = "ada", Scopes = ["neededscope"] };
    private static readonly Account NoScopes = new() { Id = "bob" };

    private static Rule R(string id, string scope, string type = "*", string name = "*", string endpoint = "*", Access access = Access.Granted, int priority = 0) =>
        new() { Id = id, Scope = scope, Resource = new Resource(type, name, endpoint), Access = access, Priority = priority };

    public static TheoryData<string, Rule[], Account?, Resource, bool> GoMicroCases() => new()
    {
        { "NoRules", [], null, Srv, false },
        { "CatchallPublicAccount", [R("1", "")], Acc, Srv, true },
        { "CatchallPublicNoAccount", [R("1", "")], null, Srv, true },
        { "CatchallPrivateAccount", [R("1", "*")], Acc, Srv, true },
        { "CatchallPrivateNoAccount", [R("1", "*")], null, Srv, false },
        { "CatchallServiceRuleMatch", [R("1", "*", "service", Srv.Name, "*")], Acc, Srv, true },
        { "CatchallServiceRuleNoMatch", [R("1", "*", "service", "wrongname", "*")], Acc, Srv, false },
        { "ExactRuleValidScope", [R("1", "neededscope", "service", Srv.Name, "Foo.Bar")], Acc, Srv, true },
        { "ExactRuleInvalidScope", [R("1", "neededscope", "service", Srv.Name, "Foo.Bar")], NoScopes, Srv, false },
        { "CatchallDenyWithAccount", [R("1", "*", access: Access.Denied)], Acc, Srv, false },
        { "CatchallDenyWithNoAccount", [R("1", "", access: Access.Denied)], null, Srv, false },
        { "RulePriorityGrantFirst", [R("1", "*", priority: 100), R("2", "*", access: Access.Denied, priority: 50)], Acc, Srv, true },
        { "RulePriorityDenyFirst", [R("1", "*", priority: 50), R("2", "*", access: Access.Denied, priority: 100)], Acc, Srv, false },
        { "WebExactEndpointValid", [R("1", "*", "web", Web.Name, "/foo/bar")], Acc, Web, true },
        { "WebExactEndpointInvalid", [R("1", "*", "web", Web.Name, "/bar/foo")], Acc, Web, false },
        { "WebWildcardEndpoint", [R("1", "*", "web", Web.Name, "*")], Acc, Web, true },
        { "WebWildcardPathEndpointValid", [R("1", "*", "web", Web.Name, "/foo/*")], Acc, Web, true },
        { "WebWildcardPathEndpointInvalid", [R("1", "*", "web", Web.Name, "/bar/*")], Acc, Web, false },
        { "WebWildcardNestedPath", [R("1", "*", "web", Web.Name, "/foo/*")], Acc, new Resource("web", Web.Name, "/foo/bar/baz"), true },
    };

    [Theory]
    [MemberData(nameof(GoMicroCases))]
    public void Go_micro_rule_cases(string name, Rule[] rules, Account? account, Resource resource, bool granted)
    {
        var set = new RuleSet(rules);
        var decision = set.Verify(account, resource);
        Assert.True(decision.Granted == granted, $"{name}: {decision.Explain(resource, account)}");
        // The per-call check the middleware uses agrees, twice (the second time from the compiled candidates).
        Assert.Equal(granted, set.IsGranted(account, resource.Type, resource.Name, resource.Endpoint));
        Assert.Equal(granted, set.IsGranted(account, resource.Type, resource.Name, resource.Endpoint));
    }

    [Fact]
    public void Deny_beats_grant_at_equal_priority_whatever_the_order()
    {
        var grant = R("a-grant", "*", priority: 10);
        var deny = R("z-deny", "*", access: Access.Denied, priority: 10);
        foreach (var rules in new[] { new[] { grant, deny }, [deny, grant] })
        {
            var decision = new RuleSet(rules).Verify(Acc, Srv);
            Assert.False(decision.Granted);
            Assert.Equal("z-deny", decision.DecidingRule?.Id);
        }
    }

    [Fact]
    public void No_matching_rule_denies_and_says_so()
    {
        var rules = new RuleSet([R("other", "*", "service", "other-service")]);
        var decision = rules.Verify(Acc, Srv);
        Assert.False(decision.Granted);
        Assert.Null(decision.DecidingRule);
        Assert.Contains("no rule matches", decision.Explain(Srv, Acc));
    }

    [Fact]
    public void Anonymous_callers_reach_only_public_endpoints()
    {
        var rules = new RuleSet([
            R("public-hello", "", "service", "greeter", "Greeter.Hello"),
            R("accounts-all", "*", "service", "greeter", "*"),
            R("admins", "admin", "service", "greeter", "Admin.*"),
        ]);
        Assert.True(rules.Verify(null, Resource.Service("greeter", "Greeter.Hello")).Granted);
        Assert.False(rules.Verify(null, Resource.Service("greeter", "Greeter.Chat")).Granted);
        Assert.False(rules.Verify(null, Resource.Service("greeter", "Admin.Reset")).Granted);
        Assert.True(rules.Verify(NoScopes, Resource.Service("greeter", "Greeter.Chat")).Granted);
    }

    [Fact]
    public void Scoped_rule_needs_the_scope_and_prefix_wildcards_match_whole_segments()
    {
        var rules = new RuleSet([R("orders-write", "orders.write", "service", "orders", "Orders.*")]);
        var writer = new Account { Id = "w", Scopes = ["orders.write"] };
        Assert.True(rules.Verify(writer, Resource.Service("orders", "Orders.Create")).Granted);
        Assert.True(rules.Verify(writer, Resource.Service("orders", "Orders.Items.Add")).Granted);
        Assert.False(rules.Verify(writer, Resource.Service("orders", "OrdersAdmin.Create")).Granted);
        Assert.False(rules.Verify(writer, Resource.Service("orders", "Orders.")).Granted);
        Assert.False(rules.Verify(NoScopes, Resource.Service("orders", "Orders.Create")).Granted);
        Assert.False(rules.Verify(writer, Resource.Service("billing", "Orders.Create")).Granted);
    }

    [Fact]
    public void Higher_priority_scoped_deny_overrides_a_general_grant()
    {
        var rules = new RuleSet([
            R("everyone", "", priority: 0),
            R("no-guests-on-admin", "", "service", "greeter", "Admin.*", Access.Denied, priority: 10),
            R("admins-on-admin", "admin", "service", "greeter", "Admin.*", priority: 20),
        ]);
        var admin = new Account { Id = "root", Scopes = ["admin"] };
        Assert.True(rules.Verify(admin, Resource.Service("greeter", "Admin.Reset")).Granted);
        Assert.False(rules.Verify(NoScopes, Resource.Service("greeter", "Admin.Reset")).Granted);
        Assert.True(rules.Verify(null, Resource.Service("greeter", "Greeter.Hello")).Granted);
    }

    [Fact]
    public void Verify_explains_which_rule_decided()
    {
        var rules = new RuleSet([R("allow-accounts", "*", "service", "greeter", "Greeter.*", priority: 5)]);
        var resource = Resource.Service("greeter", "Greeter.Hello");
        var granted = rules.Verify(NoScopes, resource);
        Assert.True(granted.Granted);
        Assert.Equal("allow-accounts", granted.DecidingRule?.Id);
        var text = granted.Explain(resource, NoScopes);
        Assert.Contains("account 'bob' granted service:greeter:Greeter.Hello", text);
        Assert.Contains("rule 'allow-accounts'", text);
        Assert.Contains("priority 5", text);
        Assert.Contains("anonymous caller denied", rules.Verify(null, resource).Explain(resource, null));
    }

    [Fact]
    public void Subscriber_deliveries_are_resources_of_type_subscriber_named_by_topic()
    {
        var rules = new RuleSet([R("orders-publishers", "orders.publish", Resource.SubscriberType, "order.created", "*")]);
        var publisher = new Account { Id = "shop", Scopes = ["orders.publish"] };
        Assert.True(rules.Verify(publisher, Resource.Subscriber("order.created", "billing")).Granted);
        Assert.False(rules.Verify(NoScopes, Resource.Subscriber("order.created", "billing")).Granted);
        Assert.False(rules.Verify(publisher, Resource.Subscriber("order.deleted", "billing")).Granted);
        Assert.False(rules.Verify(publisher, Resource.Service("order.created", "billing")).Granted);
    }

    [Fact]
    public void Rule_order_is_compiled_once_priority_then_deny_then_id()
    {
        var rules = new RuleSet([R("b", "*", priority: 1), R("a", "*", priority: 1), R("c", "*", access: Access.Denied, priority: 1), R("d", "*", priority: 9)]);
        Assert.Equal(["d", "c", "a", "b"], rules.Rules.Select(r => r.Id));
    }
}
