// The JS shell: the Worker's module entry and the WorkspaceDO and AccountDO
// classes. It holds no policy: every request, queue batch, alarm and socket
// event goes to the Go core, and one runner (run) executes the effects Go
// returns, each kind one small function (KINDS), feeding results to the
// continuations Go named, until Go has nothing left to ask. Limits, header
// trust, frames, timers' delays: all come from Go.
import { DurableObject } from "cloudflare:workers"; import { EmailMessage } from "cloudflare:email";
import "../../build/wasm_exec.js";
import wasmModule from "../../build/core.wasm";

const ROLLBACK = Symbol("rollback"), enc = new TextEncoder(), dec = new TextDecoder();
const errText = (err) => String((err && err.message) || err), log = (level, msg, fields) => console.log(JSON.stringify({ level, msg, ...fields })); // as Go's lines (cmd/worker consoleLog): the level is in the line

// ---- one Go instance per isolate, restarted if it ever exits ----
// lastEnv: the env every class got, for a restarted instance; limits: from Go's configure answer
let goReady = null, goExited = false, goExports = null, lastEnv = null, limits = { maxBody: 1 << 20 };

// ensureGo starts Go if needed and hands it the Worker's env once per Go
// instance (entry "configure"), which answers the limits the shell enforces.
function ensureGo(env) {
  if (env) lastEnv = env;
  if (goReady && !goExited) return goReady;
  goExited = false;
  goReady = (async () => {
    const go = new globalThis.Go(), ready = new Promise((resolve) => { globalThis.edgecrmReady = resolve; });
    go.importObject.edgecrm = sqlImports; // the SQL bridge (cmd/worker/jsdb.go)
    const instance = await WebAssembly.instantiate(wasmModule, go.importObject);
    goExports = instance.exports, go.run(instance).finally(() => { goExited = true; });
    await ready;
    const config = Object.fromEntries(Object.entries(lastEnv || {}).filter(([, v]) => typeof v === "string"));
    const out = callGo("configure", { config });
    if (out.response?.status !== 200) throw new Error("go core configuration failed");
    limits = JSON.parse(out.response.body).limits || limits;
  })();
  return goReady;
}

// callGo runs one core entry synchronously through Go's exports (see
// cmd/worker/main.go): the entry, input JSON and body (a request's) are
// written into Go's memory as UTF-8, the answer read from it. sql is the
// calling object's ctx.storage.sql (null in the Worker); bodies cross
// beside the JSON.
function callGo(entry, input, sql = null, body = undefined) {
  if (goExited || !goExports) throw new Error("go core is not running");
  const json = JSON.stringify(input), max = 3 * (entry.length + json.length + (body?.length ?? 0)); // UTF-8 of a UTF-16 unit: at most 3 bytes
  const at = goExports.edgecrmInput(max), mem = new Uint8Array(goExports.mem.buffer, at, max);
  const e = enc.encodeInto(entry, mem).written, i = enc.encodeInto(json, mem.subarray(e)).written, b = body === undefined ? -1 : enc.encodeInto(body, mem.subarray(e + i)).written;
  bridge.sql = sql; // the storage the SQL bridge uses for this call; every call sets it
  const r = goExports.edgecrmCall(e, i, b, sql ? 1 : 0), buf = goExports.mem.buffer, v = new DataView(buf, r, 8), n = v.getUint32(0, true), bn = v.getInt32(4, true); // the memory may have grown: read it anew
  const out = JSON.parse(dec.decode(new Uint8Array(buf, r + 8, n)));
  if (bn >= 0) out.response.body = dec.decode(new Uint8Array(buf, r + 8 + n, bn));
  return out;
}

const flags = (env) => ({ testHooks: env.TEST_HOOKS === "true" });

// toResponse makes r (Go's answer, or an object's Response) the answer,
// with the Server-Timing phases (ms) the shell measured around Go's.
function toResponse(r, timing = {}) {
  if (r instanceof Response && r.webSocket) return r;
  const res = !r ? new Response("the core returned no response", { status: 500 }) : new Response(r.body, r instanceof Response ? r : { status: r.status, headers: r.headers || {} });
  if (Object.keys(timing).length) res.headers.append("server-timing", Object.entries(timing).map(([k, v]) => `${k};dur=${v}`).join(", "));
  return res;
}

// ---- the SQL bridge: Go's imports sql, take and prepare (cmd/worker/jsdb.go) ----
// Numbers only cross: offsets into Go's memory and lengths. The format is
// sqldb/wire's. A batch, read where Go wrote it, names each statement by
// its id (Go sends a text once per isolate with prepare, kept in stmts);
// the answer is the last statement's rows, written into `out`, reused and
// grown, and kept until Go takes it into a buffer it sized. sqlExec never
// throws (an exception inside a Go import would kill Go): a failure
// answers "<statement index>:<message>".
let out = new Uint8Array(1 << 16), ov = new DataView(out.buffer), op = 0, stmts = [];
const bridge = { sql: null, answer: null }, goMem = (p, n) => new Uint8Array(goExports.mem.buffer, p, n);
const sqlImports = {
  sql: (p, n) => { const a = sqlExec(bridge.sql, goMem(p, n)), failed = typeof a === "string"; bridge.answer = failed ? enc.encode(a) : a; return failed ? -bridge.answer.length - 1 : a.length; },
  take: (p) => { goMem(p, bridge.answer.length).set(bridge.answer); bridge.answer = null; },
  prepare: (id, p, n) => { stmts[id] = dec.decode(goMem(p, n)); },
};
function room(n) { if (op + n > out.length) { const b = new Uint8Array(2 * (op + n)); b.set(out.subarray(0, op)); [out, ov] = [b, new DataView(b.buffer)]; } }
function put(x) { // a value: its tag, then a double, or a u32 length and UTF-8 or blob bytes
  const t = x === null ? 0 : typeof x === "number" ? (Number.isInteger(x) && Math.abs(x) < 2 ** 63 ? 1 : 2) : typeof x === "string" ? 3 : 4;
  room(13 + (t === 3 ? 3 * x.length : t === 4 ? x.byteLength : 0)); out[op++] = t;
  if (t === 1 || t === 2) ov.setFloat64((op += 8) - 8, x, true);
  else if (t === 3) putText(x);
  else if (t) { out.set(new Uint8Array(x), op + 4); ov.setUint32(op, x.byteLength, true); op += 4 + x.byteLength; }
}
// putText writes s's length and UTF-8 (room for it is made): a short
// string's ASCII by hand, since a TextEncoder call costs workerd about
// 300 ns and a row holds dozens of strings; the rest by encodeInto.
function putText(s) {
  let p = op + 4, i = 0;
  if (s.length < 256) for (; i < s.length; i++) { const c = s.charCodeAt(i); if (c > 127) break; out[p++] = c; }
  if (i < s.length) p += enc.encodeInto(i ? s.slice(i) : s, out.subarray(p)).written;
  ov.setUint32(op, p - op - 4, true); op = p;
}
function sqlExec(sql, buf) {
  let p = 0, i = 0, cursor, v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const r32 = () => v.getUint32((p += 4) - 4, true), bytes = () => buf.subarray(p + 4, (p += 4 + v.getUint32(p, true)));
  const param = (t = buf[p++]) => (t === 0 ? null : t < 3 ? v.getFloat64((p += 8) - 8, true) : t === 3 ? dec.decode(bytes()) : bytes().slice());
  try { // a write runs whole inside exec (SQLite's first step); the last statement's rows are read
    for (const n = r32(); i < n; i++) {
      const id = r32(), args = new Array(r32());
      for (let k = 0; k < args.length; k++) args[k] = param();
      cursor = sql.exec(stmts[id], ...args);
    }
    const names = cursor.columnNames;
    op = 0; put(names.length); put(0); // the row count, written over below
    for (const name of names) put(name);
    let rows = 0;
    for (const row of cursor.raw()) { rows++; for (const v of row) put(v); }
    ov.setFloat64(10, rows, true);
    return out.subarray(0, op);
  } catch (e) { return `${i}:${errText(e)}`; }
}

// ---- the one effect runner ----
// cx is where the effects run: call(entry, input) calls Go there; env, ws;
// waitUntil; and what the place offers (obj: the object; request, url,
// body: the Worker's request; messages: a queue batch). respond: a failing
// continuation answers the client instead of failing the run.
async function run(out, cx) {
  let response = out.response;
  if (out.log) cx.log = { ...cx.log, ...out.log }; // the edge's fields for the request's one line
  for (const e of out.effects || []) {
    if (e.serial && !cx.serial) { // on the object's chain, continuations included
      const o = cx.obj;
      o.chain = (o.chain || Promise.resolve()).then(() => run({ effects: [e] }, { ...cx, serial: true, respond: false }))
        .catch((err) => log("error", `${e.kind} failed`, { workspace: cx.ws, error: errText(err) }));
      cx.waitUntil(o.chain);
      continue;
    }
    if (e.background) {
      cx.waitUntil(Promise.resolve().then(() => KINDS[e.kind](e, cx)).catch((err) => log("error", `background ${e.kind} failed`, { workspace: cx.ws, error: errText(err) })));
      continue;
    }
    if (e.yield) await new Promise((r) => setTimeout(r, 0));
    let result = null, error = "";
    try {
      if (!KINDS[e.kind]) throw new Error(`unknown effect ${e.kind}`);
      result = await KINDS[e.kind](e, cx);
    } catch (err) {
      if (!e.resume) throw err;
      error = errText(err);
    }
    if (result instanceof Response) response = result;
    if (!e.resume) continue;
    const next = cx.call(e.resume.entry, { workspace: cx.ws, resume: { workspace: cx.ws, ctx: e.resume.ctx, result, error }, env: flags(cx.env) });
    if (next.response?.status >= 500 && !next.effects?.length && !cx.respond) throw new Error(`${e.resume.entry}: ${next.response.body}`);
    const r = await run(next, cx);
    if (r) response = r;
  }
  return response;
}

const d1Bind = (db, s) => db.prepare(s.sql).bind(...(s.params || []));
// TEST_KV_FAIL=true (tests only) makes every KV call throw, as an outage would.
const kvOf = (env) => { if (env.TEST_KV_FAIL === "true") throw new Error("KV unavailable (TEST_KV_FAIL)"); return env.CACHE; };
const onSocket = (f) => (e, cx) => {
  const ws = cx.obj.socket(e.socket);
  if (!ws) return null;
  try { return f(ws, e); } catch (err) { log("error", `${e.kind} failed`, { workspace: cx.ws, error: errText(err) }); return null; }
};
const attachmentOf = (ws, a = ws.deserializeAttachment()) => (a == null ? "" : typeof a === "string" ? a : dec.decode(a));

// settle runs one effect of an all or seq: {result} or {error}.
const settle = (x, cx) => Promise.resolve().then(() => KINDS[x.kind](x, cx)).then((result) => ({ result }), (err) => ({ error: errText(err) }));

// KINDS: one function per effect kind; its return value is the result a
// continuation receives.
const KINDS = {
  "d1.query": async (e, cx) => ({ rows: (await d1Bind(cx.env.DB, e).all()).results }),
  "d1.batch": async (e, cx) => ({ results: e.statements?.length ? (await cx.env.DB.batch(e.statements.map((s) => d1Bind(cx.env.DB, s)))).map((r) => r.results || []) : [] }),
  "queue.send": async (e, cx) => { await cx.env.EVENTS.sendBatch(e.messages.map((m) => ({ body: m, contentType: "json" }))); return {}; },
  "kv.get": async (e, cx) => ({ values: Object.fromEntries(await Promise.all(e.keys.map(async (k) => [k, await kvOf(cx.env).get(k)]))) }),
  "kv.put": async (e, cx) => { await kvOf(cx.env).put(e.key, e.value, { expirationTtl: e.ttl }); return {}; },
  "kv.delete": async (e, cx) => { await kvOf(cx.env).delete(e.key); return {}; },
  ratelimit: async (e, cx) => ({ // no binding configured: no limit
    success: !cx.env[e.binding] || !!(await cx.env[e.binding].limit(e.limit ? { key: e.key, limit: e.limit, period: e.period } : { key: e.key })).success,
  }),
  all: async (e, cx) => ({ results: await Promise.all(e.effects.map((x) => settle(x, cx))) }), // concurrently
  seq: async (e, cx) => { const results = []; for (const x of e.effects) if ((results[results.length] = await settle(x, cx)).error) break; return { results }; }, // in order, up to a failure
  "do.fetch": async (e, cx) => {
    const ns = cx.env[e.namespace], id = e.objectId ? ns.idFromString(e.objectId) : ns.idFromName(e.name);
    const r = await ns.get(id).fetch(new Request("https://object.internal" + e.path, { method: "POST", headers: { "content-type": "application/json", ...e.headers }, body: e.body }));
    return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() };
  },
  // forward: the client's request, body untouched, to the object Go chose,
  // without the headers Go drops and with those it sets.
  forward: async (e, cx) => {
    if (e.guard && !(await KINDS.ratelimit(e.guard, cx).catch(() => ({ success: true }))).success) return toResponse(e.refused);
    const headers = new Headers();
    for (const [k, v] of cx.request.headers) if (!e.drop?.some((d) => (d.endsWith("*") ? k.startsWith(d.slice(0, -1)) : k === d))) headers.set(k, v);
    for (const [k, v] of Object.entries(e.headers || {})) headers.set(k, v);
    const ns = cx.env[e.namespace], at = (cx.forwardAt = Date.now()); // the whole object call, for Server-Timing
    return ns.get(ns.idFromName(e.name)).fetch(new Request(cx.url.origin + (e.path || cx.url.pathname) + cx.url.search, { method: cx.request.method, headers, body: cx.body || undefined })).finally(() => { cx.objectMs = Date.now() - at; });
  },
  "http.fetch": async (e) => { // any URL Go names; the result is the whole answer
    const r = await fetch(e.url, { method: e.method || "GET", headers: e.headers, body: e.body || undefined, signal: AbortSignal.timeout(e.timeoutMs || 5000) });
    return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() }; },
  "email.send": async (e, cx) => { if (!e.email.raw) return cx.env.SEND_EMAIL.send(e.email); for (const to of e.email.to) await cx.env.SEND_EMAIL.send(new EmailMessage(e.email.from, to, e.email.raw)); return { messageId: e.email.messageId }; }, // a raw MIME message (Go's Message-ID) to each recipient, or the builder form; locally wrangler writes it to a file
  "msg.ack": (e, cx) => { for (const id of e.ids) cx.messages.get(id)?.ack(); },
  "msg.retry": (e, cx) => { for (const id of e.ids) cx.messages.get(id)?.retry(e.delaySeconds ? { delaySeconds: e.delaySeconds } : undefined); },
  flush: (e, cx) => { cx.waitUntil(cx.obj.flush(e.delayMs)); },
  alarm: async (e, cx) => { // at the earlier of the two times
    const at = Date.now() + e.delayMs, cur = await cx.obj.ctx.storage.getAlarm();
    if (cur == null || at < cur) await cx.obj.ctx.storage.setAlarm(at); },
  "ws.attach": onSocket((ws, e) => ws.serializeAttachment(enc.encode(e.attachment))),
  "ws.send": onSocket((ws, e) => { for (const f of e.frames) ws.send(f); }),
  "ws.close": onSocket((ws, e) => ws.close(e.code, e.reason || "")),
  "ws.timer": (e, cx) => { setTimeout(() => cx.obj.onSocket("ws.timeout", cx.obj.socket(e.socket), {}).catch(() => {}), e.delayMs); },
  "ws.read": (e, cx) => ({ sockets: e.sockets.flatMap((id) => { const ws = cx.obj.socket(id); return ws ? [{ id, attachment: attachmentOf(ws) }] : []; }) }),
  "ws.broadcast": (e, cx) => { // a group's to: "socket id socket id ..."; each socket gets head + id + tail; the result names the sockets gone
    const gone = new Set();
    for (const { head, tail, to } of e.groups || []) {
      for (let i = 0, w = to.split(" "); i < w.length; i += 2) {
        const ws = gone.has(w[i]) ? null : cx.obj.socket(w[i]);
        try { if (ws) ws.send(head + w[i + 1] + tail); else gone.add(w[i]); } catch { gone.add(w[i]); }
      }
    }
    return { gone: [...gone] };
  },
};

// ---- the Durable Objects ----
// An object runs each call in a storage transaction the core can roll back
// (a refused command, a panic), and runs the outbox entries Go names in
// flushEntries one at a time (single flight), retried by alarm on failure.
class CoreObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    if (env) lastEnv = env;
    this.sql = ctx.storage.sql;
    this.flushing = null, this.flushAgain = false, this.extra = { instance: crypto.randomUUID() }; // instance: see call
  }

  call(entry, input, body) {
    let out;
    try {
      this.ctx.storage.transactionSync(() => {
        out = callGo(entry, { ...input, ...this.extra, env: flags(this.env) }, this.sql, body);
        if (out.rollback) throw ROLLBACK;
      });
    } catch (e) { // it did not commit: a new instance name, so that Go's next call reads storage, not what this call left (durable/varscache.go)
      this.extra.instance = crypto.randomUUID();
      if (e !== ROLLBACK) throw e;
    }
    return out;
  }

  cx(ws, respond = false) {
    return { call: (e, i) => this.call(e, i), env: this.env, ws, obj: this, respond, waitUntil: (p) => this.ctx.waitUntil(p) };
  }

  flush(delayMs = 0) {
    if (this.flushing) { this.flushAgain = true; return this.flushing; }
    this.flushing = (async () => {
      try {
        // One macrotask (or the delay Go asked for) first, so that commits arriving together share the flush.
        const ws = await new Promise((r) => setTimeout(r, delayMs)).then(() => this.workspaceId());
        do {
          this.flushAgain = false;
          for (const entry of this.flushEntries) await run(this.call(entry, { workspace: ws }), this.cx(ws));
        } while (this.flushAgain);
      } catch (err) {
        log("error", "outbox flush failed; retrying by alarm", { workspace: this.workspace, error: errText(err) });
        await this.ctx.storage.setAlarm(Date.now() + 2000);
      } finally { this.flushing = null; }
    })();
    return this.flushing;
  }

  async workspaceId() { return ""; } // an account object has none
}

export class WorkspaceDO extends CoreObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.workspace = null, this.flushEntries = ["outbox"]; // it continues with the access log's
    // A bare ping is answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
    log("info", "workspace object started", { object: ctx.id.toString() });
  }

  // A woken object is a new instance: its workspace comes back from storage.
  async workspaceId() { return (this.workspace = this.workspace || (await this.ctx.storage.get("workspace"))); }

  async fetch(request) {
    await ensureGo(this.env);
    const url = new URL(request.url), ws = request.headers.get("x-edgecrm-workspace");
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return this.accept(request, ws);
    if (this.workspace !== ws) await this.ctx.storage.put("workspace", (this.workspace = ws));
    const req = { method: request.method, path: url.pathname, query: url.search.slice(1), headers: Object.fromEntries(request.headers), workspace: ws };
    const text = request.text(), input = { workspace: ws, request: req }; // a body still arriving holds its group: see grouped
    (this.arriving ||= new Set()).add(text);
    const [out, wait, n] = await text.then((b) => this.grouped(input, b, text), (e) => { this.grouped(null, null, text); throw e; }), t = Date.now();
    return toResponse(await run(out, this.cx(ws, true)), { group: `${wait};desc="${n} calls"`, effects: Date.now() - t });
  }

  // Grouping: a call waits while other requests' bodies are still arriving
  // (their handlers have started), and the last of them runs every waiting
  // call in arrival order, in one turn: workerd commits one turn's writes as
  // one implicit transaction, so the group shares one commit and one output
  // gate. No timer: one would queue the calls behind the object's pending
  // I/O (a fan-out's socket writes). Each call is still its own
  // transactionSync: a refused one rolls back only itself. Resolves [Go's
  // answer, ms waited, the group's size]; a failed body (input null) only
  // stops holding the group, and no body holds it past 1 s.
  grouped(input, body, text) {
    this.arriving.delete(text);
    const mine = input && new Promise((resolve, reject) => (this.waiting ||= []).push({ input, body, at: Date.now(), resolve, reject }));
    if (this.arriving.size) { this.stuck ||= setTimeout(() => { this.arriving.clear(); this.grouped(); }, 1000); return mine; } // a body that never ends holds no one past 1 s
    clearTimeout(this.stuck); this.stuck = null;
    const calls = (this.waiting ||= []).splice(0);
    for (const c of calls) try { const waited = Date.now() - c.at; c.resolve([this.call("fetch", c.input, c.body), waited, calls.length]); } catch (e) { c.reject(e); }
    return mine;
  }

  async alarm() {
    const ws = await ensureGo(this.env).then(() => this.workspaceId());
    if (!ws) return;
    await run(this.call("ws.alarm", { workspace: ws }), this.cx(ws)).catch((err) => log("error", "ws.alarm failed", { workspace: ws, error: errText(err) }));
    await this.flush();
  }

  // ---- WebSockets (hibernation API): tagged "c:<id>" and "w:<workspace>";
  // their state is their attachment, so nothing here lives in memory.
  // socket finds one by id in a map built once per instance (accept and close keep it): a tag lookup per socket doubled a 10,000-socket fan-out.
  socket(id) { return (this.sockets ||= new Map(this.ctx.getWebSockets().map((ws) => [this.tag(ws, "c:"), ws]))).get(id) || null; }
  tag(ws, p) { return (this.ctx.getTags(ws).find((t) => t.startsWith(p)) || "").slice(2); }

  // accept answers an upgrade: Go opens (or refuses) the socket.
  async accept(request, ws) {
    const id = crypto.randomUUID(), [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, ["c:" + id, "w:" + ws]);
    this.sockets?.set(id, server);
    console.log(JSON.stringify({ level: "info", workspace: ws, msg: "socket accepted", socket: id, object: this.ctx.id.toString() }));
    const h = (k) => request.headers.get(k) || "", out = this.call("ws.open", { workspace: ws, socket: { id, protocol: h("sec-websocket-protocol"), principal: h("x-edgecrm-principal") } });
    if (out.response?.status !== 101) {
      try { server.close(1011, "refused"); } catch {}
      return toResponse(out.response);
    }
    await run(out, this.cx(ws));
    return new Response(null, { status: 101, webSocket: client, headers: out.response.headers || {} });
  }

  // onSocket hands a socket event to Go (entry) and runs its effects; a
  // failed call closes the socket with 1011.
  async onSocket(entry, ws, socket) {
    if (!ws) return;
    await ensureGo(this.env);
    const id = this.tag(ws, "c:"), workspace = this.tag(ws, "w:");
    try {
      const out = this.call(entry, { workspace, socket: { id, attachment: attachmentOf(ws), ...socket } });
      if (out.response?.status >= 500) throw new Error(out.response.body);
      await run(out, this.cx(workspace));
    } catch (err) {
      log("error", `${entry} failed`, { workspace, error: errText(err) });
      try { ws.close(1011, "internal error"); } catch {}
    }
  }

  webSocketMessage(ws, msg) { return this.onSocket("ws.message", ws, { frame: typeof msg === "string" ? msg : dec.decode(msg) }); }
  webSocketError(ws) { return this.webSocketClose(ws, 1011); }
  async webSocketClose(ws, code) {
    this.sockets?.delete(this.tag(ws, "c:"));
    await this.onSocket("ws.close", ws, { code });
    try { ws.close(code >= 1000 && code !== 1005 && code !== 1006 && code < 5000 ? code : 1000, "closing"); } catch {}
  }
}

// The account object (one per normalized email): users, passwords,
// memberships and sessions; reached only through the edge's do.fetch.
export class AccountDO extends CoreObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.extra.account = ctx.id.toString(), this.flushEntries = ["account.outbox"];
  }

  async fetch(request) {
    await ensureGo(this.env);
    const req = { method: request.method, path: new URL(request.url).pathname, query: "", headers: {} };
    return toResponse(await run(this.call("account.fetch", { request: req }, await request.text()), this.cx("", true)));
  }

  async alarm() { await ensureGo(this.env); await this.flush(); }
}

// ---- the edge Worker ----
// The edge answers Go marked for keeping (host.Reuse: a forward of a
// principal verified moments ago), by method, path (or the prefix Go
// names: "<prefix>*" in the key) and authorization header, and for a
// GraphQL POST only to a body containing none of its unlessBody; an edge
// answer of another trust epoch (a revocation) drops them.
const reused = new Map(), prefixes = new Set();
const keyOf = (method, path, auth) => `${method} ${path}\n${auth}`;
const keptFor = (method, path, auth) => { let k = reused.get(keyOf(method, path, auth)); for (const p of prefixes) if (!k && path.startsWith(p)) k = reused.get(keyOf(method, p + "*", auth)); return k; };
const keep = (method, path, auth, out, r = out.reuse) => {
  if (!r) return out;
  if (r.epoch !== reused.epoch || reused.size >= 1024) reused.clear(), (reused.epoch = r.epoch);
  if (r.prefix) prefixes.add(r.prefix);
  if (method && r.ms > 0) reused.set(keyOf(method, r.prefix && path.startsWith(r.prefix) ? r.prefix + "*" : path, auth), { out, until: Date.now() + r.ms });
  return out;
};
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response('{"ok":true}', { headers: { "content-type": "application/json" } });
    await ensureGo(env);
    if (Number(request.headers.get("content-length") || 0) > limits.maxBody) return toResponse(limits.tooLarge);
    const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
    if (body?.byteLength > limits.maxBody) return toResponse(limits.tooLarge);
    const cx = { call: (e, i) => keep(null, "", "", callGo(e, i)), env, ws: "", respond: true, waitUntil: (p) => ctx.waitUntil(p), request, url, body, t0: Date.now(), objectMs: 0 };
    const auth = request.headers.get("authorization") || "", kept = keptFor(request.method, url.pathname, auth); // an answer Go let the shell keep (host.Reuse)
    let text = null; const textOf = () => (text ??= body ? dec.decode(body) : ""); // a kept GraphQL answer fits a document naming none of unlessBody
    const usable = kept?.until > cx.t0 && !kept.out.reuse?.unlessBody?.some((n) => textOf().includes(n));
    const out = usable ? kept.out : keep(request.method, url.pathname, auth, callGo("edge.fetch", { request: { method: request.method, path: url.pathname, query: url.search.slice(1), headers: Object.fromEntries(request.headers) }, env: flags(env) }, null, textOf()));
    const res = await run(out, cx), now = Date.now(); // edge: the Worker's own time; auth: before the object
    const r = toResponse(res, { edge: now - cx.t0 - cx.objectMs, auth: (cx.forwardAt || now) - cx.t0 + (usable ? ';desc="kept"' : ""), object: cx.objectMs }), st = r.headers.get("server-timing") || "";
    // The request's one log line: Go's fields, the status, every Server-Timing phase (ms) and the object's SQL statement count.
    // Written after the response is on its way: under wrangler dev a line costs the request 1-2 ms (the inspector carries it to wrangler).
    ctx.waitUntil(new Promise((ok) => setTimeout(ok, 0)).then(() => log(r.status >= 500 ? "error" : "info", "request", { ...cx.log, status: r.status, ms: now - cx.t0, timing: Object.fromEntries([...st.matchAll(/(\w+);dur=([\d.]+)/g)].map((m) => [m[1], +m[2]])), sqlCount: +(st.match(/"(\d+) statements"/)?.[1] || 0) })));
    return r;
  },

  // Queue consumer for EVENTS and its dead-letter queue.
  async queue(batch, env, ctx) {
    await ensureGo(env);
    const entry = batch.queue === env.EVENTS_DLQ_NAME ? "dlq.consume" : "queue.consume";
    const messages = new Map(batch.messages.map((m) => [m.id, m]));
    const input = { messages: batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: m.body })), env: flags(env) };
    await run(callGo(entry, input), { call: (e, i) => callGo(e, i), env, ws: "", waitUntil: (p) => ctx.waitUntil(p), messages });
  },
};
