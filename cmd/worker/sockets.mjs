// WebSocket subscriptions of the workspace object: graphql-transport-ws over
// the hibernation API. The Go core decides everything (package realtime,
// entries ws.*); this module only accepts sockets, hands frames to Go and
// runs the ws.* effects it returns. Sockets are tagged "c:<id>" and
// "w:<workspace>"; their protocol state is their attachment, so nothing
// here survives in memory across hibernation, and nothing needs to.

const enc = new TextEncoder();
const dec = new TextDecoder();

// A bare ping is answered by the runtime without waking the object.
const PING = '{"type":"ping"}';
const PONG = '{"type":"pong"}';
// setup runs in the object's constructor (on every wake).
export function setup(ctx) {
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  // One line per construction: an object that held only hibernated sockets
  // and was evicted logs it again when an event wakes it.
  console.log(JSON.stringify({ level: "info", msg: "workspace object started", object: ctx.id.toString() }));
}

function tagsOf(ctx, ws) {
  let id = "", workspace = "";
  for (const t of ctx.getTags(ws)) {
    if (t.startsWith("c:")) id = t.slice(2);
    else if (t.startsWith("w:")) workspace = t.slice(2);
  }
  return { id, workspace };
}

function attachmentOf(ws) {
  const a = ws.deserializeAttachment();
  if (a == null) return "";
  if (typeof a === "string") return a;
  return dec.decode(a);
}

function findSocket(ctx, id) {
  return ctx.getWebSockets("c:" + id)[0] || null;
}

function logError(workspace, msg, err) {
  console.log(JSON.stringify({ level: "error", workspace, msg, error: String((err && err.message) || err) }));
}

// accept answers an upgrade request routed to the object (GET /graphql with
// Upgrade: websocket). dobj is the WorkspaceDO (call, ctx).
export function accept(dobj, request, workspace, env) {
  const id = crypto.randomUUID();
  const pair = new WebSocketPair();
  const client = pair[0], server = pair[1];
  dobj.ctx.acceptWebSocket(server, ["c:" + id, "w:" + workspace]);
  console.log(JSON.stringify({ level: "info", workspace, msg: "socket accepted", socket: id, object: dobj.ctx.id.toString() }));
  const out = dobj.call("ws.open", {
    workspace, env,
    socket: {
      id,
      protocol: request.headers.get("sec-websocket-protocol") || "",
      // Set by the edge after verifying the upgrade's Authorization header
      // (the shell drops any client-sent x-edgecrm-* header).
      principal: request.headers.get("x-edgecrm-principal") || "",
    },
  });
  const r = out.response;
  if (!r || r.status !== 101) {
    try { server.close(1011, "internal error"); } catch {}
    return new Response(r ? r.body : "the core returned no response", { status: r ? r.status : 500, headers: r?.headers || {} });
  }
  runEffects(dobj, out.effects, server, id, workspace, env);
  return new Response(null, { status: 101, webSocket: client, headers: r.headers || {} });
}

// timeout runs a ws.timer Go set (its delay is Go's).
function timeout(dobj, id, workspace, env) {
  const ws = findSocket(dobj.ctx, id);
  if (!ws) return;
  try {
    const out = dobj.call("ws.timeout", { workspace, env, socket: { id, attachment: attachmentOf(ws) } });
    runEffects(dobj, out.effects, ws, id, workspace, env);
  } catch (err) {
    logError(workspace, "ws.timeout failed", err);
  }
}

// message handles webSocketMessage.
export function message(dobj, ws, msg, env) {
  const { id, workspace } = tagsOf(dobj.ctx, ws);
  const frame = typeof msg === "string" ? msg : dec.decode(msg);
  let out;
  try {
    out = dobj.call("ws.message", { workspace, env, socket: { id, attachment: attachmentOf(ws), frame } });
  } catch (err) {
    logError(workspace, "ws.message failed", err);
    out = null;
  }
  if (!out || (out.response && out.response.status >= 500)) {
    try { ws.close(1011, "internal error"); } catch {}
    return;
  }
  runEffects(dobj, out.effects, ws, id, workspace, env);
}

// close handles webSocketClose and webSocketError: Go forgets the socket's
// subscriptions; the close handshake is completed.
export function close(dobj, ws, code, reason, env) {
  const { id, workspace } = tagsOf(dobj.ctx, ws);
  try {
    dobj.call("ws.close", { workspace, env, socket: { id, code } });
  } catch (err) {
    logError(workspace, "ws.close failed", err);
  }
  try {
    ws.close(code >= 1000 && code !== 1005 && code !== 1006 && code < 5000 ? code : 1000, "closing");
  } catch {}
}

// effect runs one ws.* effect returned by another entry (a committing
// fetch returns ws.broadcast).
export function effect(dobj, e, workspace, env) {
  runEffects(dobj, [e], null, "", workspace, env);
}

// alarm runs ws.alarm when the object's alarm fires (Go re-checks the
// sockets' rights, e.g. a token that expired).
export function alarm(dobj, workspace, env) {
  try {
    runEffects(dobj, dobj.call("ws.alarm", { workspace, env }).effects, null, "", workspace, env);
  } catch (err) {
    logError(workspace, "ws.alarm failed", err);
  }
}

// read answers a ws.read: the attachments of the sockets still open, to
// the continuation Go named.
function read(dobj, e, workspace, env) {
  const found = [];
  for (const id of e.sockets || []) {
    const ws = findSocket(dobj.ctx, id);
    if (ws) found.push({ id, attachment: attachmentOf(ws) });
  }
  const out = dobj.call(e.resume.entry, { workspace, env, resume: { workspace, ctx: e.resume.ctx, result: { sockets: found }, error: "" } });
  runEffects(dobj, out.effects, null, "", workspace, env);
}

// runEffects runs ws.* effects; current is the socket the call was about.
function runEffects(dobj, effects, current, currentID, workspace, env) {
  for (const e of effects || []) {
    if (e.kind === "ws.broadcast") { broadcast(dobj, e, workspace, env); continue; }
    if (e.kind === "flush") { dobj.ctx.waitUntil(dobj.flush()); continue; }
    if (e.kind === "alarm") { dobj.ctx.waitUntil(dobj.alarmWithin(e.delayMs)); continue; }
    if (e.kind === "ws.read") { read(dobj, e, workspace, env); continue; }
    if (e.kind === "ws.timer") { setTimeout(() => timeout(dobj, e.socket, workspace, env), e.delayMs); continue; }
    const ws = e.socket === currentID && current ? current : findSocket(dobj.ctx, e.socket);
    if (!ws) continue;
    try {
      switch (e.kind) {
        case "ws.attach": ws.serializeAttachment(enc.encode(e.attachment)); break;
        case "ws.send": for (const f of e.frames) ws.send(f); break;
        case "ws.close": ws.close(e.code, e.reason || ""); break;
        default: logError(workspace, `unknown effect ${e.kind}`, "");
      }
    } catch (err) {
      logError(workspace, `${e.kind} failed`, err);
    }
  }
}

// Chunks sent back to back before the chain yields to the event loop (to
// other requests and to the runtime's socket writes): about 4,000 sends
// and 100 ms of work. Yielding after every chunk made a 3,000-socket
// fan-out about 1.6x slower here.
const CHUNKS_PER_YIELD = 4;

// broadcast queues a ws.broadcast on the object's chain: chunks of one
// commit, and commits, go out in order. Other events run between every
// few chunks.
function broadcast(dobj, first, workspace, env) {
  const run = async () => {
    let e = first;
    for (let chunk = 1; ; chunk++) {
      const gone = sendGroups(dobj.ctx, e.groups || []);
      if (!e.resume) {
        if (gone.length) dobj.call("ws.gone", { workspace, env, socket: { id: "", gone } });
        return;
      }
      if (chunk % CHUNKS_PER_YIELD === 0) await new Promise((r) => setTimeout(r, 0));
      const out = dobj.call(e.resume.entry, {
        workspace, env, resume: { workspace, ctx: e.resume.ctx, result: { gone }, error: "" },
      });
      e = (out.effects || []).find((x) => x.kind === "ws.broadcast");
      if (!e) return;
    }
  };
  dobj.wsChain = (dobj.wsChain || Promise.resolve()).then(run).catch((err) => logError(workspace, "broadcast failed", err));
  dobj.ctx.waitUntil(dobj.wsChain);
}

// sendGroups sends each group's payload to its targets and returns the
// socket ids it could not reach.
function sendGroups(ctx, groups) {
  const gone = new Set();
  const found = new Map();
  for (const g of groups) {
    const tail = ',"type":"next","payload":' + g.payload + "}";
    for (const [sid, op] of g.to) {
      let ws = found.get(sid);
      if (ws === undefined) {
        ws = findSocket(ctx, sid);
        found.set(sid, ws);
      }
      if (!ws) { gone.add(sid); continue; }
      try {
        ws.send('{"id":' + JSON.stringify(op) + tail);
      } catch {
        gone.add(sid);
      }
    }
  }
  return [...gone];
}
