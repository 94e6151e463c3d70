// An independent MCP client (the official TypeScript SDK) against `micro mcp` over stdio. Run by McpTests, which starts
// the services; this script reports each step as one JSON line on stdout and waits on stdin whenever the test must
// start or stop a service.
//   node mcp.mjs COMMAND [ARGS...]      (the command that runs `micro mcp`)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { createInterface } from "node:readline";

const [command, ...args] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));
const report = (step, data = {}) => console.log(JSON.stringify({ step, ...data }));
const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("");

let changed = 0;
let onChange = () => {};
const client = new Client({ name: "micro-cli-tests", version: "1.0.0" });
client.setNotificationHandler(ToolListChangedNotificationSchema, () => { changed++; onChange(); });
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "MICRO_REGISTRY"));
await client.connect(new StdioClientTransport({ command, args, env, stderr: "inherit" }));

async function waitForTools(predicate, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { tools } = await client.listTools();
    if (predicate(tools)) return tools;
    if (Date.now() > deadline) throw new Error("tools never matched: " + tools.map((t) => t.name).join(","));
    await new Promise((resolve) => { onChange = resolve; setTimeout(resolve, 2000); });
  }
}

try {
  const tools = await waitForTools((t) => t.some((x) => x.name === "greeter.Greeter.Hello"), 20000);
  const hello = tools.find((t) => t.name === "greeter.Greeter.Hello");
  report("listed", { tools: tools.map((t) => t.name), description: hello.description, inputSchema: hello.inputSchema, capabilities: client.getServerCapabilities() });

  const reply = await client.callTool({ name: "greeter.Greeter.Hello", arguments: { name: "Ada" } });
  report("called", { text: text(reply), isError: reply.isError ?? false });

  const wrong = await client.callTool({ name: "greeter.Greeter.Hello", arguments: { name: 5 } });
  report("wrong-types", { text: text(wrong), isError: wrong.isError ?? false });

  const unknown = await client.callTool({ name: "nope.Nope.Nothing", arguments: {} });
  report("unknown-tool", { text: text(unknown), isError: unknown.isError ?? false });

  // The test starts another service: its endpoints must appear, announced by notifications/tools/list_changed.
  const before = changed;
  report("start-inventory");
  await nextLine();
  const grown = await waitForTools((t) => t.some((x) => x.name === "inventory.Items.Get"), 30000);
  const item = await client.callTool({ name: "inventory.Items.Get", arguments: { id: "a1", count: 2 } });
  report("inventory", { tools: grown.map((t) => t.name), notifications: changed - before, text: text(item), isError: item.isError ?? false });

  const afterStart = changed;
  report("stop-inventory");
  await nextLine();
  const shrunk = await waitForTools((t) => !t.some((x) => x.name.startsWith("inventory.")), 30000);
  report("stopped", { tools: shrunk.map((t) => t.name), notifications: changed - afterStart });
} finally {
  await client.close();
  lines.close();
}
