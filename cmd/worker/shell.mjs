// The JS shell: the Worker's module entry and the WorkspaceDO class. It
// routes, calls the Go core synchronously, and runs the effects the core
// returns (D1, queue, flush). No business logic lives here.
import { DurableObject } from "cloudflare:workers";
import "../../build/wasm_exec.js";
import wasmModule from "../../build/core.wasm";

const MAX_BODY = 1 << 20; // the core enforces the same limit
const ROLLBACK = Symbol("rollback");
const WORKSPACE_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

// ---- one Go instance per isolate, restarted if it ever exits ----
let goReady = null;
let goExited = false;

function ensureGo() {
  if (goReady && !goExited) return goReady;
  goExited = false;
  goReady = (async () => {
    const go = new globalThis.Go();
    const ready = new Promise((resolve) => { globalThis.edgecrmReady = resolve; });
    const instance = await WebAssembly.instantiate(wasmModule, go.importObject);
    go.run(instance).finally(() => { goExited = true; });
    await ready;
  })();
  return goReady;
}

// callGo runs one core entry synchronously. host is {sql} inside a DO.
function callGo(entry, input, host) {
  if (goExited || typeof globalThis.edgecrmCall !== "function") throw new Error("go core is not running");
  return JSON.parse(globalThis.edgecrmCall(entry, JSON.stringify(input), host ?? null));
}

function envFlags(env) {
  return { testHooks: env.TEST_HOOKS === "true" };
}

// ---- helpers ----
function jsonResponse(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}
function errorResponse(status, name, message, headers) {
  return jsonResponse(status, { statusCode: status, error: name, messages: [message] }, headers);
}
function toResponse(r) {
  if (!r) return errorResponse(500, "InternalServerErrorException", "the core returned no response");
  return new Response(r.body, { status: r.status, headers: r.headers || {} });
}
function b64encode(buf) {
  let s = "";
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function b64decode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// sqlExec is host.sql for the core: never throws (an exception inside a Go
// callback would kill the Go program), answers JSON.
function sqlExec(sql, query, paramsJSON) {
  try {
    const params = JSON.parse(paramsJSON).map((p) => (p !== null && typeof p === "object" && "b64" in p ? b64decode(p.b64) : p));
    const cursor = sql.exec(query, ...params);
    const rows = [];
    for (const r of cursor.raw()) rows.push(r.map((v) => (v instanceof ArrayBuffer ? { b64: b64encode(v) } : v)));
    return JSON.stringify({ columns: cursor.columnNames, rows });
  } catch (e) {
    return JSON.stringify({ error: String((e && e.message) || e) });
  }
}

function d1Bind(db, s) {
  return db.prepare(s.sql).bind(...(s.params || []));
}

// runEffects executes out.effects in order. run(entry, input) calls the core
// again for continuations. Returns the last response the chain produced.
async function runEffects(out, ws, env, run, extra = {}) {
  let response = out.response;
  for (const e of out.effects || []) {
    if (e.kind === "flush") { extra.flush?.(); continue; }
    if (e.kind === "msg.ack") { for (const id of e.ids) extra.messages.get(id)?.ack(); continue; }
    if (e.kind === "msg.retry") {
      for (const id of e.ids) extra.messages.get(id)?.retry(e.delaySeconds ? { delaySeconds: e.delaySeconds } : undefined);
      continue;
    }
    let result = null, error = "";
    try {
      result = await runIO(e, env);
    } catch (err) {
      if (!e.resume) throw err;
      error = String((err && err.message) || err);
    }
    if (e.resume) {
      const next = run(e.resume.entry, { workspace: ws, resume: { workspace: ws, ctx: e.resume.ctx, result, error }, env: envFlags(env) });
      if (next.response && next.response.status >= 500 && !next.effects?.length && !extra.respond) throw new Error(`${e.resume.entry}: ${next.response.body}`);
      const r = await runEffects(next, ws, env, run, extra);
      if (r) response = r;
    }
  }
  return response;
}

async function runIO(e, env) {
  switch (e.kind) {
    case "d1.query": {
      const r = await d1Bind(env.DB, e).all();
      return { rows: r.results };
    }
    case "d1.batch": {
      if (!e.statements?.length) return { results: [] };
      const rs = await env.DB.batch(e.statements.map((s) => d1Bind(env.DB, s)));
      return { results: rs.map((r) => r.results || []) };
    }
    case "queue.send":
      await env.EVENTS.sendBatch(e.messages.map((m) => ({ body: m, contentType: "json" })));
      return {};
  }
  throw new Error(`unknown effect ${e.kind}`);
}

// ---- the workspace Durable Object ----
export class WorkspaceDO extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.host = { sql: (q, p) => sqlExec(ctx.storage.sql, q, p) };
    this.workspace = null;
    this.flushing = null;
    this.flushAgain = false;
  }

  // call runs a core entry inside a storage transaction that the core can
  // roll back (refused command, panic).
  call(entry, input) {
    let out;
    try {
      this.ctx.storage.transactionSync(() => {
        out = callGo(entry, input, this.host);
        if (out.rollback) throw ROLLBACK;
      });
    } catch (e) {
      if (e !== ROLLBACK) throw e;
    }
    return out;
  }

  async fetch(request) {
    await ensureGo();
    const url = new URL(request.url);
    const ws = request.headers.get("x-edgecrm-workspace");
    if (this.workspace !== ws) {
      this.workspace = ws;
      await this.ctx.storage.put("workspace", ws);
    }
    const body = await request.text();
    const headers = {};
    for (const [k, v] of request.headers) if (k !== "authorization") headers[k] = v;
    const input = {
      workspace: ws,
      request: { method: request.method, path: url.pathname, query: url.search.slice(1), headers, body, workspace: ws },
      env: envFlags(this.env),
    };
    const out = this.call("fetch", input);
    const response = await runEffects(out, ws, this.env, (e, i) => this.call(e, i), {
      respond: true,
      flush: () => this.ctx.waitUntil(this.flush()),
    });
    return toResponse(response);
  }

  // flush moves the outbox forward; one at a time per object. On failure
  // an alarm retries, so nothing waits on a live request.
  flush() {
    if (this.flushing) { this.flushAgain = true; return this.flushing; }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          const ws = this.workspace;
          const out = this.call("outbox", { workspace: ws, env: envFlags(this.env) });
          await runEffects(out, ws, this.env, (e, i) => this.call(e, i), {});
        } while (this.flushAgain);
      } catch (err) {
        console.log(JSON.stringify({ level: "error", workspace: this.workspace, msg: "outbox flush failed; retrying by alarm", error: String(err && err.message || err) }));
        await this.ctx.storage.setAlarm(Date.now() + 2000);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  async alarm() {
    await ensureGo();
    this.workspace = this.workspace || (await this.ctx.storage.get("workspace"));
    if (this.workspace) await this.flush();
  }
}

// ---- the edge Worker ----
function workspaceFor(request, env) {
  // Development-only selection (make dev and tests): X-Workspace-Id header.
  if (env.DEV_WORKSPACE_SELECTION === "true") return request.headers.get("x-workspace-id") || "demo";
  return null;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return jsonResponse(200, { ok: true });
    const len = Number(request.headers.get("content-length") || 0);
    if (len > MAX_BODY) return errorResponse(413, "PayloadTooLargeException", `request body is larger than ${MAX_BODY} bytes`);

    let ws, path = url.pathname;
    const admin = path.match(/^\/admin\/workspaces\/([^/]+)(\/.*)$/);
    if (admin) {
      if (!env.ADMIN_TOKEN || request.headers.get("authorization") !== `Bearer ${env.ADMIN_TOKEN}`) {
        return errorResponse(401, "UNAUTHENTICATED", "admin token required");
      }
      ws = admin[1];
      path = "/admin" + admin[2];
    } else if (path === "/rest" || path.startsWith("/rest/") || path === "/graphql" || path === "/metadata") {
      ws = workspaceFor(request, env);
      if (!ws) return errorResponse(401, "UNAUTHENTICATED", "no workspace: authentication is required");
    } else {
      return errorResponse(404, "NotFoundException", `no route for ${request.method} ${path}`);
    }
    if (!WORKSPACE_RE.test(ws)) return errorResponse(400, "BadRequestException", `invalid workspace id "${ws}"`);

    const stub = env.WORKSPACE.get(env.WORKSPACE.idFromName(ws));
    const headers = new Headers(request.headers);
    headers.set("x-edgecrm-workspace", ws);
    const init = { method: request.method, headers };
    if (request.method !== "GET" && request.method !== "HEAD") init.body = await request.arrayBuffer();
    return stub.fetch(new Request(url.origin + path + url.search, init));
  },

  // Queue consumer for EVENTS and its dead-letter queue: Go decides, the
  // shell runs D1 and acks/retries.
  async queue(batch, env) {
    await ensureGo();
    const entry = batch.queue === env.EVENTS_DLQ_NAME ? "dlq.consume" : "queue.consume";
    const messages = new Map(batch.messages.map((m) => [m.id, m]));
    const input = {
      messages: batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: m.body })),
      env: envFlags(env),
    };
    const out = callGo(entry, input, null);
    await runEffects(out, "", env, (e, i) => callGo(e, i, null), { messages });
  },
};
