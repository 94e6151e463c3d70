// The Micro dashboard page: renders registry snapshots from /api/events (server-sent events), checks node health,
// and calls endpoints through /api/call. Plain DOM, no framework, no build step. Everything from the registry is text
// (textContent), never HTML: service names and metadata come from the network.
"use strict";

const servicesEl = document.getElementById("services");
const connectionEl = document.getElementById("connection");
const registryEl = document.getElementById("registry");
let latest = -1;
let health = {}; // service -> {nodeId: report}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function key(service) { return service.name + "@" + service.version; }

function render(snapshot) {
  if (snapshot.version < latest) return;
  latest = snapshot.version;
  registryEl.textContent = "registry: " + snapshot.registry;
  const seen = new Set();
  for (const service of snapshot.services) {
    const id = key(service);
    seen.add(id);
    let card = servicesEl.querySelector(`section.service[data-key="${CSS.escape(id)}"]`);
    if (!card) {
      card = el("section", { class: "service", "data-key": id, "data-service": service.name },
        el("h2", {}, el("span", { text: service.name }), el("span", { class: "muted", text: service.version })),
        el("h3", { text: "Nodes" }), el("table", { class: "nodes" }),
        el("h3", { text: "Endpoints" }), el("div", { class: "endpoints" }));
      servicesEl.append(card);
    }
    renderNodes(card, service);
    renderEndpoints(card, service);
  }
  for (const card of servicesEl.querySelectorAll("section.service")) if (!seen.has(card.dataset.key)) card.remove();
  document.getElementById("empty")?.remove();
  if (snapshot.services.length === 0) servicesEl.append(el("p", { class: "muted", id: "empty", text: "No services in the registry." }));
  checkHealth(snapshot.services);
}

function renderNodes(card, service) {
  const table = card.querySelector("table.nodes");
  table.replaceChildren(el("tr", {}, el("th", { text: "Node" }), el("th", { text: "Address" }), el("th", { text: "Health" }), el("th", { text: "Metadata" })));
  for (const node of service.nodes) {
    const report = (health[service.name] || {})[node.id];
    table.append(el("tr", { class: "node", "data-node": node.id },
      el("td", {}, el("code", { text: node.id })),
      el("td", {}, el("code", { text: node.address })),
      el("td", {}, healthBadge(report)),
      el("td", { class: "muted", text: Object.entries(node.metadata || {}).map(([k, v]) => `${k}=${v}`).join(" ") })));
  }
}

function healthBadge(report) {
  if (!report) return el("span", { class: "badge health", text: "checking" });
  const ok = report.status === "serving" || report.status === "reachable";
  return el("span", { class: "badge health " + (ok ? "ok" : "down"), title: report.detail || `${report.latencyMs} ms`, text: report.status });
}

function renderEndpoints(card, service) {
  const box = card.querySelector(".endpoints");
  const signature = JSON.stringify(service.endpoints.map((e) => [e.name, e.request, e.metadata]));
  if (box.dataset.signature === signature) return; // keep what the user typed
  box.dataset.signature = signature;
  box.replaceChildren();
  for (const endpoint of service.endpoints) box.append(endpointForm(service, endpoint));
}

function schemaOf(endpoint) {
  const md = endpoint.metadata || {};
  for (const k of ["request.schema", "request_schema", "requestSchema"]) {
    if (!md[k]) continue;
    try { const s = JSON.parse(md[k]); if (s && typeof s === "object" && s.properties) return s; } catch { /* free-form JSON instead */ }
  }
  return null;
}

function endpointForm(service, endpoint) {
  const stream = (endpoint.metadata || {}).stream;
  const head = el("div", {}, el("strong", { text: endpoint.name }), " ",
    el("span", { class: "muted", text: `${endpoint.request || "?"} → ${endpoint.response || "?"}` }), " ",
    stream ? el("span", { class: "badge warn", text: stream + " stream" }) : null);
  const wrap = el("div", { class: "endpoint", "data-endpoint": endpoint.name }, head);
  if (stream) { wrap.append(el("div", { class: "muted", text: `Streams: micro stream ${service.name} ${endpoint.name}` })); return wrap; }
  const schema = schemaOf(endpoint);
  const form = el("form", { class: schema ? "schema" : "json" });
  if (schema) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      const type = prop.type || "string";
      const input = type === "boolean" ? el("input", { type: "checkbox", name })
        : el("input", { type: type === "integer" || type === "number" ? "number" : "text", name, placeholder: type });
      input.dataset.type = type;
      form.append(el("label", {}, el("span", { text: name + ((schema.required || []).includes(name) ? " *" : "") }), input));
    }
  } else {
    form.append(el("textarea", { name: "request", value: "{}", spellcheck: false, "aria-label": "JSON request" }));
  }
  const button = el("button", { type: "submit", text: "Call" });
  const result = el("pre", { class: "result" });
  form.append(button);
  wrap.append(form, result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let request;
    try { request = schema ? fromFields(form) : JSON.parse(form.elements.request.value || "{}"); }
    catch (e) { show(result, false, "malformed JSON: " + e.message); return; }
    button.disabled = true;
    try {
      const response = await fetch("/api/call", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ service: service.name, endpoint: endpoint.name, request }),
      });
      if (!response.ok) { show(result, false, `HTTP ${response.status}`); return; }
      const outcome = await response.json();
      if (outcome.ok) show(result, true, JSON.stringify(outcome.response, null, 2));
      else show(result, false, `${outcome.error.id} (${outcome.error.code}): ${outcome.error.detail}`);
    } catch (e) {
      show(result, false, "dashboard unreachable: " + e.message);
    } finally {
      button.disabled = false;
    }
  });
  return wrap;
}

function fromFields(form) {
  const value = {};
  for (const input of form.querySelectorAll("input")) {
    const type = input.dataset.type;
    if (type === "boolean") value[input.name] = input.checked;
    else if (input.value === "") continue;
    else if (type === "integer" || type === "number") value[input.name] = Number(input.value);
    else if (type === "string") value[input.name] = input.value;
    else value[input.name] = JSON.parse(input.value);
  }
  return value;
}

function show(result, ok, text) {
  result.className = "result " + (ok ? "ok" : "error");
  result.textContent = text;
}

let healthTimer = null;
function checkHealth(services, delay = 100) {
  clearTimeout(healthTimer);
  healthTimer = setTimeout(async () => {
    for (const name of new Set(services.map((s) => s.name))) {
      try {
        const response = await fetch("/api/health?service=" + encodeURIComponent(name));
        if (!response.ok) continue;
        const reports = await response.json();
        health[name] = Object.fromEntries(reports.map((r) => [r.node, r]));
        for (const report of reports) {
          const row = servicesEl.querySelector(`section.service[data-service="${CSS.escape(name)}"] tr.node[data-node="${CSS.escape(report.node)}"]`);
          row?.children[2].replaceChildren(healthBadge(report));
        }
      } catch { /* the next round tries again */ }
    }
    checkHealth(services, 10000);
  }, delay);
}

function connect() {
  const events = new EventSource("/api/events");
  events.addEventListener("open", () => { connectionEl.textContent = "live"; connectionEl.className = "badge ok"; });
  events.addEventListener("error", () => { connectionEl.textContent = "reconnecting"; connectionEl.className = "badge down"; });
  events.addEventListener("snapshot", (event) => render(JSON.parse(event.data)));
}

// Publish: the topic and JSON body go to /api/publish, which publishes through the Micro client.
function setUpPublish() {
  const form = document.getElementById("publish");
  const result = document.getElementById("publish-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let message;
    try { message = JSON.parse(form.elements.message.value || "{}"); }
    catch (e) { show(result, false, "malformed JSON: " + e.message); return; }
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch("/api/publish", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ topic: form.elements.topic.value.trim(), message }),
      });
      if (!response.ok) { show(result, false, `HTTP ${response.status}`); return; }
      const outcome = await response.json();
      if (outcome.ok) show(result, true, "published " + outcome.id);
      else show(result, false, `${outcome.error.id} (${outcome.error.code}): ${outcome.error.detail}`);
    } catch (e) {
      show(result, false, "dashboard unreachable: " + e.message);
    } finally {
      button.disabled = false;
    }
  });
}

// Tail: /api/tail?topic= streams the topic's messages as server-sent events; newest first, the last 100 kept.
let tailSource = null;
function setUpTail() {
  const form = document.getElementById("tail");
  const state = document.getElementById("tail-state");
  const list = document.getElementById("tail-messages");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    tailSource?.close();
    const topic = form.elements.topic.value.trim();
    list.replaceChildren();
    list.dataset.topic = topic;
    state.textContent = "subscribing"; state.className = "badge warn";
    tailSource = new EventSource("/api/tail?topic=" + encodeURIComponent(topic));
    tailSource.addEventListener("ready", () => { state.textContent = "tailing " + topic; state.className = "badge ok"; });
    tailSource.addEventListener("error", () => {
      state.textContent = tailSource.readyState === EventSource.CLOSED ? "cannot tail " + topic : "reconnecting";
      state.className = "badge down";
    });
    tailSource.addEventListener("message", (event) => {
      const m = JSON.parse(event.data);
      const body = m.body !== undefined ? JSON.stringify(m.body) : (m.text ?? m.bodyBase64 ?? "");
      const time = (m.headers.time || "").slice(11, 23);
      list.prepend(el("li", { class: "message", "data-id": m.id || "", "data-source": m.headers.source || "" },
        el("span", { class: "muted", text: `${time} ${m.headers.source || "?"}` }), el("span", { class: "body", text: body })));
      while (list.children.length > 100) list.lastChild.remove();
    });
  });
}

// With auth on (MICRO_AUTH=jwt) the dashboard wants an account first; its calls then carry that account's tokens.
async function start() {
  const session = await (await fetch("/api/session")).json();
  if (session.auth && !session.account) { signIn(); return; }
  if (session.account) {
    const out = el("button", { type: "button", text: "Sign out", class: "signout" });
    out.addEventListener("click", async () => {
      await fetch("/api/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      location.reload();
    });
    document.querySelector("header").append(el("span", { class: "muted", id: "account", text: "signed in as " + session.account }), out);
  }
  document.getElementById("messages").hidden = false;
  connect();
}

function signIn() {
  const error = el("pre", { class: "result error" });
  const form = el("form", { class: "signin", id: "signin" },
    el("h2", { text: "Sign in" }),
    el("label", {}, el("span", { text: "Account" }), el("input", { type: "text", name: "id", autocomplete: "username" })),
    el("label", {}, el("span", { text: "Secret" }), el("input", { type: "password", name: "secret", autocomplete: "current-password" })),
    el("button", { type: "submit", text: "Sign in" }), error);
  servicesEl.replaceChildren(form);
  connectionEl.textContent = "signed out";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch("/api/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: form.elements.id.value, secret: form.elements.secret.value }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      error.textContent = body?.error ? `${body.error.id} (${body.error.code}): ${body.error.detail}` : `HTTP ${response.status}`;
      return;
    }
    servicesEl.replaceChildren(el("p", { class: "muted", id: "empty", text: "Waiting for the registry…" }));
    setUpPublish();
setUpTail();
start();
  });
}

setUpPublish();
setUpTail();
start();
