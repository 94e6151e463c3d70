using System.CommandLine;
using System.Globalization;
using Micro.Auth;
using Micro.Cli.Hosting;
using Micro.Cli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Cli.Commands;

/// <summary>
/// <c>micro auth</c>: accounts, rules and tokens of the JWT auth, on the store the services share (MICRO_STORE,
/// MICRO_STORE_ADDRESS, MICRO_AUTH_DATABASE), so a rule granted here applies on every node within its refresh interval.
/// </summary>
public static class AuthCommand
{
    /// <summary>The command and its sub-commands.</summary>
    public static Command Create() => new("auth", "Accounts, rules (list, grant, revoke) and tokens, on the store the services share")
    {
        Accounts(), Rules(), Token(),
    };

    private static Command Accounts()
    {
        var id = new Argument<string>("id") { Description = "account id, e.g. ada or billing" };
        var type = new Option<string>("--type") { Description = "user or service", DefaultValueFactory = _ => Account.UserType };
        var scopes = new Option<string[]>("--scope") { Description = "a scope the account holds (repeatable)" };
        var create = new Command("create", "Create (or replace) an account and print its secret, shown only this once") { id, type, scopes };
        CliAction.Set(create, async (parse, cli, ct) =>
        {
            var account = await Auth(cli).GenerateAsync(parse.GetValue(id)!, parse.GetValue(type)!, parse.GetValue(scopes) ?? [], null, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(new AuthAccountView(account.Id, account.Type, account.Scopes, account.Secret), CliJsonContext.Default.AuthAccountView);
            else cli.Out.WriteLine($"account {account.Id} ({account.Type}, scopes: {string.Join(",", account.Scopes)}) secret: {account.Secret}");
            return ExitCodes.Ok;
        });
        var deleteId = new Argument<string>("id") { Description = "account id" };
        var delete = new Command("delete", "Delete an account: its refresh tokens stop working at once") { deleteId };
        CliAction.Set(delete, async (parse, cli, ct) =>
        {
            await Auth(cli).DeleteAccountAsync(parse.GetValue(deleteId)!, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(new AuthAccountView(parse.GetValue(deleteId)!, "", [], null), CliJsonContext.Default.AuthAccountView);
            else cli.Out.WriteLine($"account {parse.GetValue(deleteId)} deleted");
            return ExitCodes.Ok;
        });
        return new Command("accounts", "Create and delete accounts") { create, delete };
    }

    private static Command Rules()
    {
        var list = new Command("list", "Every rule, in the order verification considers them");
        CliAction.Set(list, async (parse, cli, ct) =>
        {
            var rules = (await Auth(cli).ListRulesAsync(ct).ConfigureAwait(false)).Select(View).ToList();
            if (cli.Json) cli.WriteJson<IReadOnlyList<AuthRuleView>>(rules, CliJsonContext.Default.IReadOnlyListAuthRuleView);
            else TableWriter.Write(cli.Out, ["ID", "ACCESS", "SCOPE", "RESOURCE", "PRIORITY"], rules.Select(r => (IReadOnlyList<string>)[
                r.Id, r.Access, r.Scope.Length == 0 ? "(public)" : r.Scope, r.Resource, r.Priority.ToString(CultureInfo.InvariantCulture)]));
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "rule id (granting an existing id replaces it)" };
        var resource = new Option<string>("--resource", "-r") { Description = "type:name:endpoint, e.g. service:greeter:Greeter.Hello or service:*:*", Required = true };
        var scope = new Option<string>("--scope") { Description = "'' = anyone (anonymous too), '*' = any account, else a scope name", DefaultValueFactory = _ => Rule.AnyAccountScope };
        var deny = new Option<bool>("--deny") { Description = "deny instead of grant" };
        var priority = new Option<int>("--priority") { Description = "higher is considered first; at equal priority a deny wins" };
        var grant = new Command("grant", "Add or replace a rule") { id, resource, scope, deny, priority };
        CliAction.Set(grant, async (parse, cli, ct) =>
        {
            var parts = parse.GetValue(resource)!.Split(':');
            if (parts.Length != 3 || parts.Any(p => p.Length == 0))
                throw CliException.Usage("cli.auth.resource", $"--resource '{parse.GetValue(resource)}' must be type:name:endpoint, e.g. service:greeter:Greeter.Hello");
            var rule = new Rule
            {
                Id = parse.GetValue(id)!,
                Resource = new Resource(parts[0], parts[1], parts[2]),
                Scope = parse.GetValue(scope)!,
                Access = parse.GetValue(deny) ? Access.Denied : Access.Granted,
                Priority = parse.GetValue(priority),
            };
            await Auth(cli).GrantAsync(rule, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(View(rule), CliJsonContext.Default.AuthRuleView);
            else cli.Out.WriteLine(rule.ToString());
            return ExitCodes.Ok;
        });

        var revokeId = new Argument<string>("id") { Description = "rule id" };
        var revoke = new Command("revoke", "Remove a rule (a missing id is not an error)") { revokeId };
        CliAction.Set(revoke, async (parse, cli, ct) =>
        {
            await Auth(cli).RevokeAsync(parse.GetValue(revokeId)!, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(new AuthRuleView(parse.GetValue(revokeId)!, "", "", "", 0), CliJsonContext.Default.AuthRuleView);
            else cli.Out.WriteLine($"rule {parse.GetValue(revokeId)} revoked");
            return ExitCodes.Ok;
        });
        return new Command("rules", "List, grant and revoke access rules") { list, grant, revoke };
    }

    private static Command Token()
    {
        var id = new Option<string>("--id") { Description = "account id", Required = true };
        var secret = new Option<string?>("--secret") { Description = "account secret; default: read from stdin (keeps it out of the process list)" };
        var audiences = new Option<string[]>("--audience", "-a") { Description = "a service that will accept the token (repeatable)", Required = true };
        var command = new Command("token", "Exchange an account's secret for an access token (send it with: micro call ... -m \"authorization=Bearer TOKEN\")") { id, secret, audiences };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var key = parse.GetValue(secret) ?? (await cli.In.ReadLineAsync(ct).ConfigureAwait(false))?.Trim();
            if (string.IsNullOrEmpty(key)) throw CliException.Usage("cli.auth.secret", "no secret: pass --secret or write it on stdin");
            var token = await Auth(cli).TokenAsync(TokenRequest.FromCredentials(parse.GetValue(id)!, key, parse.GetValue(audiences)!), ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(new AuthTokenView(token.AccessToken, token.RefreshToken, token.Expiry, token.RefreshExpiry), CliJsonContext.Default.AuthTokenView);
            else cli.Out.WriteLine(token.AccessToken);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static IAuth Auth(CliContext cli) => cli.Services.Provider.GetRequiredService<IAuth>();

    private static AuthRuleView View(Rule rule) =>
        new(rule.Id, rule.Access.ToString().ToLowerInvariant(), rule.Scope, rule.Resource.ToString(), rule.Priority);
}
