// The JS shell: the Worker's module entry and the WorkspaceDO and AccountDO
// classes. It calls the Go core synchronously and runs the effects the core
// returns (D1, queue, KV, rate limits, calls to objects, flush). No business
// logic lives here: the Worker asks Go (entry edge.fetch) what to do with
// every request, including whether its token is good and where it goes.
import { DurableObject } from "cloudflare:workers";
import "../../build/wasm_exec.js";
import wasmModule from "../../build/core.wasm";
import * as sockets from "./sockets.mjs";

const MAX_BODY = 1 << 20; // the core enforces the same limit
const ROLLBACK = Symbol("rollback");

// ---- one Go instance per isolate, restarted if it ever exits ----
let goReady = null;
let goExited = false;
let lastEnv = null; // every class remembers the env it got, for ensureGo()

function rememberEnv(env) { if (env) lastEnv = env; }

// ensureGo starts Go if needed and hands it the Worker's env once per Go
// instance (entry "configure": the JWT key, the admin token, the vars).
function ensureGo(env = lastEnv) {
  rememberEnv(env);
  if (goReady && !goExited) return goReady;
  goExited = false;
  goReady = (async () => {
    const go = new globalThis.Go();
    const ready = new Promise((resolve) => { globalThis.edgecrmReady = resolve; });
    const instance = await WebAssembly.instantiate(wasmModule, go.importObject);
    go.run(instance).finally(() => { goExited = true; });
    await ready;
    configure(lastEnv);
  })();
  return goReady;
}

function configure(env) {
  const config = {};
  for (const [k, v] of Object.entries(env || {})) if (typeof v === "string") config[k] = v;
  const out = callGo("configure", { config }, null);
  if (!out.response || out.response.status !== 200) throw new Error("go core configuration failed");
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
// again for continuations. Returns the last response the chain produced (a
// Response when a forward answered).
async function runEffects(out, ws, env, run, extra = {}) {
  let response = out.response;
  for (const e of out.effects || []) {
    if (e.kind === "flush") { extra.flush?.(); continue; }
    if (e.kind === "alarm") { extra.alarm?.(e); continue; }
    if (e.kind === "forward") { response = await extra.forward(e); continue; } // Worker only
    if (e.background) { // waitUntil: never delays the answer, failures only logged
      const p = runIO(e, env).catch((err) => logError(ws, `background ${e.kind} failed`, err));
      if (extra.waitUntil) extra.waitUntil(p); else await p;
      continue;
    }
    if (e.kind.startsWith("ws.")) { extra.ws?.(e); continue; } // sockets.mjs
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
    case "kv.get": {
      const kv = kvOf(env);
      const vals = await Promise.all(e.keys.map((k) => kv.get(k)));
      return { values: Object.fromEntries(e.keys.map((k, i) => [k, vals[i]])) };
    }
    case "kv.put":
      await kvOf(env).put(e.key, e.value, { expirationTtl: e.ttl });
      return {};
    case "kv.delete":
      await kvOf(env).delete(e.key);
      return {};
    case "ratelimit": {
      const limiter = env[e.binding];
      if (!limiter) return { success: true }; // no binding configured: no limit
      // limit/period come only from dev/test vars (the local simulator honours them).
      const opts = e.limit ? { key: e.key, limit: e.limit, period: e.period } : { key: e.key };
      const r = await limiter.limit(opts);
      return { success: !!r.success };
    }
    case "all": // concurrently; each settles to {result} or {error}
      return {
        results: await Promise.all(e.effects.map((x) => runIO(x, env).then(
          (result) => ({ result }), (err) => ({ error: String((err && err.message) || err) })))),
      };
    case "do.fetch": {
      const ns = env[e.namespace];
      const id = e.objectId ? ns.idFromString(e.objectId) : ns.idFromName(e.name);
      const headers = { "content-type": "application/json" };
      if (e.namespace === "WORKSPACE") headers["x-edgecrm-workspace"] = e.name;
      const r = await ns.get(id).fetch(new Request("https://object.internal" + e.path, { method: "POST", headers, body: e.body }));
      return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() };
    }
  }
  throw new Error(`unknown effect ${e.kind}`);
}

// KV CACHE; TEST_KV_FAIL=true (tests only) makes every call throw, as an
// outage would: the core must then answer from D1 or the objects.
const failingKV = {
  get() { throw new Error("KV unavailable (TEST_KV_FAIL)"); },
  put() { throw new Error("KV unavailable (TEST_KV_FAIL)"); },
  delete() { throw new Error("KV unavailable (TEST_KV_FAIL)"); },
};
function kvOf(env) { return env.TEST_KV_FAIL === "true" ? failingKV : env.CACHE; }

function logError(workspace, msg, err) {
  console.log(JSON.stringify({ level: "error", workspace: workspace || undefined, msg, error: String((err && err.message) || err) }));
}

// callIn runs one core entry inside a storage transaction that the core can
// roll back (refused command, panic).
function callIn(ctx, host, entry, input) {
  let out;
  try {
    ctx.storage.transactionSync(() => {
      out = callGo(entry, input, host);
      if (out.rollback) throw ROLLBACK;
    });
  } catch (e) {
    if (e !== ROLLBACK) throw e;
  }
  return out;
}

// ---- the workspace Durable Object ----
export class WorkspaceDO extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    rememberEnv(env);
    this.host = { sql: (q, p) => sqlExec(ctx.storage.sql, q, p) };
    this.workspace = null;
    this.flushing = null;
    this.flushAgain = false;
    sockets.setup(ctx);
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
    // An upgrade writes nothing here: Go refuses one for a workspace that
    // does not exist, and an existing one already stored its id.
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return sockets.accept(this, request, ws, envFlags(this.env));
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
      ws: (e) => sockets.effect(this, e, ws, envFlags(this.env)),
      alarm: (e) => this.ctx.waitUntil(this.alarmWithin(e.delayMs)),
    });
    return toResponse(response);
  }

  // alarmWithin makes the alarm fire within ms (an earlier one is kept).
  async alarmWithin(ms) {
    const at = Date.now() + ms, cur = await this.ctx.storage.getAlarm();
    if (cur == null || at < cur) await this.ctx.storage.setAlarm(at);
  }

  // flush moves the outbox forward; one at a time per object. On failure
  // an alarm retries, so nothing waits on a live request.
  flush() {
    if (this.flushing) { this.flushAgain = true; return this.flushing; }
    this.flushing = (async () => {
      try {
        // A woken object is a new instance: its workspace comes back from storage.
        this.workspace = this.workspace || (await this.ctx.storage.get("workspace"));
        do {
          this.flushAgain = false;
          const ws = this.workspace;
          const out = this.call("outbox", { workspace: ws, env: envFlags(this.env) });
          await runEffects(out, ws, this.env, (e, i) => this.call(e, i), {});
          // The access log (members, API keys, sessions: package accounts) to D1.
          const acc = this.call("access.outbox", { workspace: ws, env: envFlags(this.env) });
          await runEffects(acc, ws, this.env, (e, i) => this.call(e, i), {});
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

  // WebSocket subscriptions (hibernation API): sockets.mjs.
  async webSocketMessage(ws, msg) { await ensureGo(); sockets.message(this, ws, msg, envFlags(this.env)); }
  async webSocketClose(ws, code, reason) { await ensureGo(); sockets.close(this, ws, code, reason, envFlags(this.env)); }
  async webSocketError(ws, err) { await ensureGo(); sockets.close(this, ws, 1011, String(err), envFlags(this.env)); }

  async alarm() {
    await ensureGo();
    this.workspace = this.workspace || (await this.ctx.storage.get("workspace"));
    if (!this.workspace) return;
    sockets.alarm(this, this.workspace, envFlags(this.env));
    await this.flush();
  }
}

// ---- the account Durable Object (one per normalized email) ----
// Users, passwords, memberships and sessions (package accounts). Reached
// only through do.fetch effects of the edge.
export class AccountDO extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    rememberEnv(env);
    this.host = { sql: (q, p) => sqlExec(ctx.storage.sql, q, p) };
    this.flushing = null;
    this.flushAgain = false;
  }

  call(entry, input) {
    return callIn(this.ctx, this.host, entry, { ...input, account: this.ctx.id.toString(), env: envFlags(this.env) });
  }

  async fetch(request) {
    await ensureGo(this.env);
    const url = new URL(request.url);
    const out = this.call("account.fetch", { request: { method: request.method, path: url.pathname, query: "", headers: {}, body: await request.text() } });
    const response = await runEffects(out, "", this.env, (e, i) => this.call(e, i), {
      respond: true,
      flush: () => this.ctx.waitUntil(this.flush()),
    });
    return toResponse(response);
  }

  // flush moves the account's D1 projection (users) forward; an alarm retries.
  flush() {
    if (this.flushing) { this.flushAgain = true; return this.flushing; }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          await runEffects(this.call("account.outbox", {}), "", this.env, (e, i) => this.call(e, i), {});
        } while (this.flushAgain);
      } catch (err) {
        logError("", "account outbox flush failed; retrying by alarm", err);
        await this.ctx.storage.setAlarm(Date.now() + 2000);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  async alarm() {
    await ensureGo(this.env);
    await this.flush();
  }
}

// ---- the edge Worker ----

// forwardTo sends the client's request, body untouched, to the object the
// core chose, with the internal headers the core set (client copies of
// x-edgecrm-* and the token are dropped). A WebSocket upgrade's 101 comes
// back as is.
function forwardTo(request, url, body, e, env) {
  const ns = env[e.namespace];
  const headers = new Headers();
  for (const [k, v] of request.headers) if (!k.startsWith("x-edgecrm-") && k !== "authorization") headers.set(k, v);
  for (const [k, v] of Object.entries(e.headers || {})) headers.set(k, v);
  const init = { method: request.method, headers };
  if (body) init.body = body;
  return ns.get(ns.idFromName(e.name)).fetch(new Request(url.origin + e.path + url.search, init));
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return jsonResponse(200, { ok: true });
    const len = Number(request.headers.get("content-length") || 0);
    if (len > MAX_BODY) return errorResponse(413, "PayloadTooLargeException", `request body is larger than ${MAX_BODY} bytes`);
    await ensureGo(env);

    let body = null;
    if (request.method !== "GET" && request.method !== "HEAD") {
      body = await request.arrayBuffer();
      if (body.byteLength > MAX_BODY) return errorResponse(413, "PayloadTooLargeException", `request body is larger than ${MAX_BODY} bytes`);
    }
    // Go sees the body of GraphQL POSTs only: auth operations are recognised there.
    const gql = request.method === "POST" && (url.pathname === "/graphql" || url.pathname === "/metadata");
    const input = {
      request: {
        method: request.method, path: url.pathname, query: url.search.slice(1),
        headers: Object.fromEntries(request.headers),
        body: gql && body ? new TextDecoder().decode(body) : "",
      },
      env: envFlags(env),
    };
    const out = callGo("edge.fetch", input, null);
    const r = await runEffects(out, "", env, (e, i) => callGo(e, i, null), {
      respond: true,
      forward: (e) => forwardTo(request, url, body, e, env),
      waitUntil: (p) => ctx.waitUntil(p),
    });
    return r instanceof Response ? r : toResponse(r);
  },

  // Queue consumer for EVENTS and its dead-letter queue: Go decides, the
  // shell runs D1 and acks/retries.
  async queue(batch, env) {
    await ensureGo(env);
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
