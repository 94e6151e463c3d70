// An independent MCP client (the official TypeScript SDK's Streamable HTTP transport) against `micro mcp --http`. Run by
// McpHttpTests, which starts the services, a `micro subscribe` tail and the MCP server; this script reports each step as
// one JSON line on stdout.
//   node mcp-http.mjs URL TOPIC [TOKEN]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, topic, token] = process.argv.slice(2);
const report = (step, data = {}) => console.log(JSON.stringify({ step, ...data }));
const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("");

const client = new Client({ name: "micro-cli-tests-http", version: "1.0.0" });
const requestInit = token ? { headers: { Authorization: "Bearer " + token } } : undefined;
const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit });
await client.connect(transport);
try {
  let tools = [];
  const deadline = Date.now() + 20000;
  while (!(tools = (await client.listTools()).tools).some((t) => t.name === "greeter.Greeter.Hello")) {
    if (Date.now() > deadline) throw new Error("no greeter tool: " + tools.map((t) => t.name).join(","));
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  report("listed", { tools: tools.map((t) => t.name), sessionId: transport.sessionId ?? null, publishSchema: tools.find((t) => t.name === "publish")?.inputSchema });

  const reply = await client.callTool({ name: "greeter.Greeter.Hello", arguments: { name: "Ada" } });
  report("called", { text: text(reply), isError: reply.isError ?? false });

  const published = await client.callTool({ name: "publish", arguments: { topic, message: { text: "from-mcp" }, metadata: { via: "mcp" } } });
  report("published", { text: text(published), isError: published.isError ?? false });

  const bad = await client.callTool({ name: "publish", arguments: { topic: "no spaces", message: {} } });
  report("publish-bad", { text: text(bad), isError: bad.isError ?? false });
} finally {
  await transport.terminateSession().catch(() => {});
  await client.close();
}
