// Drives the micro dashboard in a real headless chromium (Debian's, via playwright-core). Run by DashboardBrowserTests,
// which starts the services and the dashboard; this script reports each step as one JSON line on stdout and waits on
// stdin for the test to say a node was stopped.
//   node dashboard.mjs URL ARTIFACTS_DIR TOPIC
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";
import { mkdirSync } from "node:fs";

const [url, artifacts, topic] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));
const report = (step, data = {}) => console.log(JSON.stringify({ step, ...data }));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  const greeter = page.locator('section.service[data-service="greeter"]');
  await greeter.waitFor({ timeout: 20000 });
  await page.waitForFunction(() => document.querySelectorAll('section.service[data-service="greeter"] tr.node').length === 2, null, { timeout: 20000 });
  const nodes = await greeter.locator("tr.node").evaluateAll((rows) => rows.map((r) => r.dataset.node));
  report("listed", { nodes, services: await page.locator("section.service").evaluateAll((s) => s.map((x) => x.dataset.service)) });

  const hello = greeter.locator('.endpoint[data-endpoint="Greeter.Hello"]');
  await hello.locator("textarea").fill('{"name":"Ada"}');
  await hello.locator("button").click();
  const result = hello.locator(".result");
  await page.waitForFunction((el) => el.textContent.includes("Hello"), await result.elementHandle(), { timeout: 15000 });
  report("called", { result: await result.textContent(), error: await result.evaluate((el) => el.classList.contains("error")) });

  await hello.locator("textarea").fill('{"name":');
  await hello.locator("button").click();
  await page.waitForFunction((el) => el.classList.contains("error"), await result.elementHandle(), { timeout: 5000 });
  report("malformed", { result: await result.textContent() });

  await page.waitForFunction(() => [...document.querySelectorAll('section.service[data-service="greeter"] .badge.health')].every((b) => b.classList.contains("ok")), null, { timeout: 20000 });
  report("healthy", { badges: await greeter.locator(".badge.health").allTextContents() });
  await hello.locator("textarea").fill('{"name":"Ada"}');
  await hello.locator("button").click();
  await page.waitForFunction((el) => el.textContent.includes("Hello Ada"), await result.elementHandle(), { timeout: 15000 });

  // Tail a topic, publish to it from the page, and see the message come back through the broker.
  await page.locator("#tail input[name=topic]").fill(topic);
  await page.locator("#tail button").click();
  await page.waitForFunction(() => document.getElementById("tail-state").textContent.startsWith("tailing"), null, { timeout: 20000 });
  await page.locator("#publish input[name=topic]").fill(topic);
  await page.locator("#publish textarea").fill('{"text":"from-page"}');
  await page.locator("#publish button").click();
  const published = page.locator("#publish-result");
  await page.waitForFunction((el) => el.textContent.startsWith("published ") || el.classList.contains("error"), await published.elementHandle(), { timeout: 20000 });
  const pageId = (await published.textContent()).replace("published ", "");
  await page.waitForFunction((id) => !!document.querySelector(`#tail-messages li[data-id="${CSS.escape(id)}"]`), pageId, { timeout: 20000 });
  report("published-from-page", { id: pageId, result: await published.textContent(), body: await page.locator("#tail-messages li .body").first().textContent() });

  // The test publishes with `micro publish` and from a real service; it sends their ids, and the tail must show both.
  report("tail-ready");
  const others = JSON.parse(await nextLine());
  await page.waitForFunction((ids) => ids.every((id) => !!document.querySelector(`#tail-messages li[data-id="${CSS.escape(id)}"]`)), others, { timeout: 30000 });
  const tailed = await page.locator("#tail-messages li").evaluateAll((items) => items.map((li) => ({ id: li.dataset.id, source: li.dataset.source, body: li.querySelector(".body").textContent })));
  report("tailed", { messages: tailed });

  // An illegal topic is the broker's one-line error, shown in the form.
  await page.locator("#publish input[name=topic]").fill("no spaces");
  await page.locator("#publish button").click();
  await page.waitForFunction((el) => el.classList.contains("error"), await published.elementHandle(), { timeout: 15000 });
  report("publish-error", { result: await published.textContent() });
  await page.locator("#publish input[name=topic]").fill(topic);
  await page.locator("#publish textarea").fill('{"text":"again from the page"}');
  await page.locator("#publish button").click();
  await page.waitForFunction((el) => el.textContent.startsWith("published "), await published.elementHandle(), { timeout: 20000 });
  await page.waitForFunction(() => document.querySelectorAll("#tail-messages li").length >= 4, null, { timeout: 20000 });
  await page.screenshot({ path: `${artifacts}/dashboard.png`, fullPage: true });
  await page.screenshot({ path: `${artifacts}/dashboard-top.png` }); // the first screen: what docs/dashboard.png shows

  // The test stops one node; the page must drop it without a reload.
  await page.evaluate(() => { window.__notReloaded = true; });
  report("stop-one");
  await nextLine();
  const started = Date.now();
  await page.waitForFunction(() => document.querySelectorAll('section.service[data-service="greeter"] tr.node').length === 1, null, { timeout: 30000 });
  const remaining = await greeter.locator("tr.node").evaluateAll((rows) => rows.map((r) => r.dataset.node));
  report("dropped", { remaining, ms: Date.now() - started, notReloaded: await page.evaluate(() => window.__notReloaded === true) });
  await page.screenshot({ path: `${artifacts}/dashboard-after-stop.png`, fullPage: true });
  report("done", { pageErrors: errors });
} finally {
  await browser.close();
  lines.close();
}
