// Real-time subscriptions end to end: the npm graphql-ws client against
// edgecrm on wrangler dev (graphql-transport-ws over the Durable Object
// hibernation API), mutations over HTTP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start, session, eventually, fetch, root } from "./harness.mjs";

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });

const wsURL = () => server.url.replace(/^http/, "ws") + "/graphql";

// upgradeFor says how a client of workspace ws reaches the socket: by
// default the browser's way (no credentials on the upgrade, the workspace
// named in the URL, the token in connection_init); bearerUpgrade sends the
// token on the upgrade instead (the edge verifies it).
async function upgradeFor(ws, { bearerUpgrade = false } = {}) {
  const headers = await session(server, ws);
  const auth = headers.authorization || headers.Authorization;
  assert.ok(auth, "the session has no Bearer token");
  const token = auth.replace(/^Bearer\s+/i, "");
  const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  if (bearerUpgrade) return { url: wsURL(), headers: { authorization: auth }, token, workspaceId: claims.workspaceId };
  return { url: `${wsURL()}?workspaceId=${encodeURIComponent(claims.workspaceId)}`, headers: {}, token, workspaceId: claims.workspaceId };
}

// connect opens a graphql-ws client for workspace ws; params replaces the
// connection_init payload (default: the session's token, if any).
async function connect(ws, { params, onClosed, bearerUpgrade, keepAlive = 0 } = {}) {
  const up = await upgradeFor(ws, { bearerUpgrade });
  const connectionParams = params ?? { token: up.token };
  class WithHeaders extends WebSocket {
    constructor(url, protocols) { super(url, protocols, { headers: up.headers }); }
  }
  const closed = [];
  let socket = null, syncs = 0;
  const waiting = new Map();
  const client = createClient({
    url: up.url, webSocketImpl: WithHeaders, connectionParams, lazy: false, retryAttempts: 0, keepAlive,
    onNonLazyError: () => {},
    on: {
      connected: (s) => { socket = s; },
      pong: (received, payload) => { if (received && payload?.sync) waiting.get(payload.sync)?.(); },
      closed: (e) => { closed.push(e); onClosed?.(e); },
    },
  });
  client.closedEvents = closed;
  // sync resolves once the object has processed every frame this client
  // sent so far (its subscribes included): a ping with a payload is not the
  // runtime's auto-response pair, so the object answers it, in order.
  client.sync = async () => {
    await eventually(() => assert.ok(socket, "not connected"), 10_000);
    await pause(20); // graphql-ws sends a subscribe a few microtasks after subscribe()
    const n = ++syncs;
    const pong = new Promise((resolve) => waiting.set(n, resolve));
    socket.send(JSON.stringify({ type: "ping", payload: { sync: n } }));
    await Promise.race([pong, pause(10_000).then(() => { throw new Error("no pong to the sync ping"); })]);
  };
  return client;
}

// subscribe starts an operation and collects what it yields.
function subscribe(client, query, { variables, extensions } = {}) {
  const sub = { values: [], errors: [], done: false };
  sub.stop = client.subscribe({ query, variables, extensions }, {
    next: (v) => sub.values.push(v),
    error: (e) => { sub.errors.push(e); sub.done = true; },
    complete: () => { sub.done = true; },
  });
  sub.events = () => sub.values.map((v) => ({ ...v.data.onDbEvent, _seq: v.extensions?.seq }));
  return sub;
}

async function rest(ws, method, path, body) {
  const r = await fetch(server.url + path, {
    method,
    headers: { ...(await session(server, ws)), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}
const createCompany = async (ws, data) => (await rest(ws, "POST", "/rest/companies", data)).data.createCompany;
async function gqlMutation(ws, query, variables) {
  const r = await fetch(server.url + "/graphql", {
    method: "POST",
    headers: { ...(await session(server, ws)), "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body.data;
}

// ready waits until the server has indexed the subscription: a first
// event on a probe record shows the socket is live. (graphql-ws gives no
// acknowledgement of a subscribe.)
async function settle(ws, sub, count) {
  await eventually(() => assert.ok(sub.values.length >= count, `got ${sub.values.length} of ${count} events`), 10_000);
}

// A short pause between subscribe and the first mutation: subscribe frames
// are processed in order on the socket, but the mutation arrives on another
// connection.
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const FIELDS = "seq eventId eventDate action objectNameSingular recordId updatedFields record before after";

test("subscribe, mutate over HTTP, receive the event with its sequence number", async () => {
  const ws = "rt-basic";
  const client = await connect(ws);
  const sub = subscribe(client, `subscription { onDbEvent(input: { objectNameSingular: "company" }) { ${FIELDS} } }`);
  await client.sync();
  const c = await createCompany(ws, { name: "Acme", employees: 5 });
  const { updateCompany } = await gqlMutation(ws, `mutation($id: UUID!) { updateCompany(id: $id, data: { employees: 50 }) { id employees } }`, { id: c.id });
  assert.equal(updateCompany.employees, 50);
  await settle(ws, sub, 2);
  const [created, updated] = sub.events();
  assert.equal(created.action, "CREATED");
  assert.equal(created.objectNameSingular, "company");
  assert.equal(created.recordId, c.id);
  assert.equal(created.record.name, "Acme");
  assert.equal(created.before, null);
  assert.equal(created._seq, created.seq);
  assert.equal(updated.action, "UPDATED");
  assert.deepEqual(updated.updatedFields, ["employees"]);
  assert.equal(updated.before.employees, 5);
  assert.equal(updated.after.employees, 50);
  assert.equal(updated.record.employees, 50);
  assert.equal(updated.seq, created.seq + 1, "events arrive in commit order with consecutive seqs");
  assert.deepEqual(sub.errors, []);
  await client.dispose();
});

test("the frontend's own OnDbEvent document (DbEventSubscriptionInput) receives events", async () => {
  const ws = "rt-front";
  const client = await connect(ws);
  const query = readFileSync(join(root, "tests", "js", "twenty-front", "subscriptions", "OnDbEvent.graphql"), "utf8");
  const sub = subscribe(client, query, { variables: { input: { objectNameSingular: "company", action: "CREATED" } } });
  await client.sync();
  const c = await createCompany(ws, { name: "Initech" });
  await settle(ws, sub, 1);
  const [created] = sub.events();
  assert.equal(created.action, "CREATED");
  assert.equal(created.objectNameSingular, "company");
  assert.equal(created.record.id, c.id);
  assert.deepEqual(sub.errors, []);
  await client.dispose();
});

test("filters, actions and the workspace stream select events", async () => {
  const ws = "rt-filters";
  const small = await createCompany(ws, { name: "Small", employees: 5 });
  const big = await createCompany(ws, { name: "Big", employees: 500 });
  const client = await connect(ws);
  const bigOnes = subscribe(client, `subscription { onDbEvent(input: { objectNameSingular: "company", filter: { employees: { gte: 100 } } }) { seq recordId action } }`);
  const deletes = subscribe(client, `subscription { onDbEvent(input: { objectNameSingular: "company", action: DELETED }) { seq recordId } }`);
  const named = subscribe(client, `subscription($f: JSON) { onDbEvent(input: { objectNameSingular: "company", filter: $f }) { seq recordId } }`,
    { variables: { f: { name: { ilike: "%acme%" } } } });
  const all = subscribe(client, `subscription { onDbEvent(input: {}) { seq objectNameSingular action } }`);
  await client.sync();
  await rest(ws, "PATCH", `/rest/companies/${small.id}`, { name: "Still small" }); // all
  await rest(ws, "PATCH", `/rest/companies/${big.id}`, { employees: 10 }); // bigOnes (left the filter), all
  const acme = await createCompany(ws, { name: "ACME corp", employees: 1 }); // named, all
  await rest(ws, "POST", "/rest/people", { name: { firstName: "Ada" } }); // all
  await rest(ws, "DELETE", `/rest/companies/${small.id}`); // deletes, all
  await settle(ws, all, 5);
  await client.sync(); // every frame sent before the pong has arrived
  assert.deepEqual(bigOnes.events().map((e) => e.recordId), [big.id]);
  assert.deepEqual(deletes.events().map((e) => e.recordId), [small.id]);
  assert.deepEqual(named.events().map((e) => e.recordId), [acme.id]);
  const stream = all.events();
  assert.deepEqual(stream.map((e) => `${e.objectNameSingular}.${e.action}`),
    ["company.UPDATED", "company.UPDATED", "company.CREATED", "person.CREATED", "company.DELETED"]);
  for (let i = 1; i < stream.length; i++) assert.equal(stream[i].seq, stream[i - 1].seq + 1);
  await client.dispose();
});

test("unsubscribe stops delivery and leaves the socket's other subscriptions", async () => {
  const ws = "rt-unsub";
  const client = await connect(ws);
  const a = subscribe(client, `subscription { onDbEvent(input: { objectNameSingular: "company" }) { seq } }`);
  const b = subscribe(client, `subscription { onDbEvent(input: { objectNameSingular: "company" }) { seq } }`);
  await client.sync();
  await createCompany(ws, { name: "one" });
  await settle(ws, a, 1);
  await settle(ws, b, 1);
  a.stop();
  await client.sync();
  await createCompany(ws, { name: "two" });
  await settle(ws, b, 2);
  await client.sync();
  assert.equal(a.values.length, 1, "no event after unsubscribe");
  await client.dispose();
});

test("refused subscriptions get a GraphQL error, the socket stays open", async () => {
  const ws = "rt-refused";
  const client = await connect(ws);
  const bad = subscribe(client, `subscription { onDbEvent(input: { objectNameSingular: "spaceship" }) { seq } }`);
  const badFilter = subscribe(client, `subscription { onDbEvent(input: { objectNameSingular: "company", filter: { nope: { eq: 1 } } }) { seq } }`);
  await eventually(() => assert.ok(bad.done && badFilter.done), 10_000);
  assert.match(bad.errors[0][0].message, /unknown object "spaceship"/);
  assert.match(badFilter.errors[0][0].message, /unknown field "nope"/);
  const good = subscribe(client, `subscription { onDbEvent { seq } }`);
  await client.sync();
  await createCompany(ws, { name: "still works" });
  await settle(ws, good, 1);
  await client.dispose();
});

async function closeCodeOf(ws, params) {
  let code = null;
  const client = await connect(ws, { params, onClosed: (e) => { code = e.code; } });
  const sub = subscribe(client, `subscription { onDbEvent { seq } }`);
  await eventually(() => assert.notEqual(code, null, "socket not closed"), 10_000);
  await client.dispose();
  return { code, sub };
}

test("a bad or missing token closes with 4401, another workspace's with 4403", async () => {
  assert.equal((await closeCodeOf("rt-auth", { token: "not.a.token" })).code, 4401);
  assert.equal((await closeCodeOf("rt-auth", { Authorization: "Bearer garbage" })).code, 4401);
  assert.equal((await closeCodeOf("rt-auth", {})).code, 4401);
  const other = await upgradeFor("rt-auth-other");
  assert.equal((await closeCodeOf("rt-auth", { token: other.token })).code, 4403);
  // An upgrade the edge authenticated (Authorization header) needs no
  // token in connection_init.
  const client = await connect("rt-auth", { params: {}, bearerUpgrade: true });
  const sub = subscribe(client, `subscription { onDbEvent { seq } }`);
  await client.sync();
  await createCompany("rt-auth", { name: "via an authenticated upgrade" });
  await settle("rt-auth", sub, 1);
  assert.deepEqual(client.closedEvents, []);
  await client.dispose();
});

test("a socket that does not speak graphql-transport-ws is closed with 4406", async () => {
  // (A client offering only other subprotocols fails its own handshake,
  // since the server selects none; one offering none gets the close code.)
  const up = await upgradeFor("rt-proto");
  const sock = new WebSocket(up.url, { headers: up.headers });
  const code = await new Promise((resolve, reject) => {
    sock.on("close", (c) => resolve(c));
    sock.on("error", reject);
  });
  assert.equal(code, 4406);
});

test("a socket that never sends connection_init is closed with 4408", { timeout: 30_000 }, async () => {
  const up = await upgradeFor("rt-init");
  const sock = new WebSocket(up.url, "graphql-transport-ws", { headers: up.headers });
  const opened = Date.now();
  const code = await new Promise((resolve, reject) => {
    sock.on("close", (c) => resolve(c));
    sock.on("error", reject);
  });
  assert.equal(code, 4408);
  assert.ok(Date.now() - opened >= 9_000, "closed before the 10 s init timeout");
});

// objectStarts counts how often the workspace's object was constructed
// (the shell logs each construction; the socket-accepted line names the
// object of a workspace).
async function objectStarts(ws) {
  const { workspaceId } = await upgradeFor(ws);
  const logs = server.logs();
  const m = logs.match(new RegExp(`"workspace":"${workspaceId}","msg":"socket accepted","socket":"[^"]+","object":"([0-9a-f]+)"`));
  assert.ok(m, `no socket accepted for ${ws} (${workspaceId})`);
  return logs.split("\n").filter((l) => l.includes('"msg":"workspace object started"') && l.includes(m[1])).length;
}

test("after the object hibernates, a mutation is still delivered to the sleeping subscriber", { timeout: 120_000 }, async () => {
  const ws = "rt-hibernate";
  await createCompany(ws, { name: "wake the object" });
  // The client pings every 2 s: the runtime answers {"type":"ping"} itself
  // (setWebSocketAutoResponse), so pings neither wake the object nor keep
  // it from being evicted.
  let pongs = 0;
  const client = await connect(ws, { keepAlive: 2_000 });
  client.on("pong", (received, payload) => { if (received && !payload) pongs++; });
  const sub = subscribe(client, `subscription { onDbEvent(input: { objectNameSingular: "company", filter: { name: { startsWith: "after" } } }) { seq recordId record } }`);
  await client.sync();
  await createCompany(ws, { name: "after 0" });
  await settle(ws, sub, 1);
  const startsBefore = await objectStarts(ws);
  // The object holds only hibernated sockets now; the runtime evicts it
  // after ~10 s idle. Eviction is observable only afterwards (the next
  // event constructs the object again), so: idle, mutate, check; idle
  // longer if it had not been evicted yet (bounded: 3 tries).
  let evicted = false;
  for (const idleMs of [12_000, 16_000, 20_000]) {
    await pause(idleMs);
    const c = await createCompany(ws, { name: `after ${idleMs}` });
    await eventually(() => assert.ok(sub.events().some((e) => e.recordId === c.id), "event not delivered"), 10_000);
    if ((await objectStarts(ws)) > startsBefore) { evicted = true; break; }
  }
  assert.ok(evicted, "the object was never evicted while idle");
  assert.ok(pongs >= 5, `only ${pongs} pongs while idle`);
  assert.deepEqual(sub.errors, []);
  // The socket survived: it still gets live events and answers pings.
  const c = await createCompany(ws, { name: "after wake" });
  await eventually(() => assert.ok(sub.events().some((e) => e.recordId === c.id)), 10_000);
  await client.dispose();
});

test("resume from a sequence number delivers exactly the missed events, then live ones", async () => {
  const ws = "rt-resume";
  const query = `subscription { onDbEvent(input: { objectNameSingular: "company", filter: { name: { startsWith: "keep" } } }) { seq recordId record } }`;
  let client = await connect(ws);
  let sub = subscribe(client, query);
  await client.sync();
  await createCompany(ws, { name: "keep 1" });
  await settle(ws, sub, 1);
  const lastSeq = sub.events()[0].seq;
  await client.dispose();
  await pause(200);

  const missed = [];
  missed.push((await createCompany(ws, { name: "keep 2" })).id);
  await createCompany(ws, { name: "drop me" });
  missed.push((await createCompany(ws, { name: "keep 3" })).id);
  await rest(ws, "PATCH", `/rest/companies/${missed[0]}`, { employees: 7 });
  missed.push(missed[0]);

  client = await connect(ws);
  sub = subscribe(client, query, { extensions: { lastSeq } });
  await settle(ws, sub, 3);
  await client.sync();
  const replayed = sub.events();
  assert.deepEqual(replayed.map((e) => e.recordId), missed, "exactly the missed matching events, in order");
  assert.ok(replayed.every((e) => e.seq > lastSeq));
  const live = await createCompany(ws, { name: "keep 4" });
  await settle(ws, sub, 4);
  assert.equal(sub.events()[3].recordId, live.id);
  assert.ok(sub.events()[3].seq > replayed[2].seq);
  await client.dispose();
});

test("signing out closes the session's open socket with 4401", async () => {
  const ws = "rt-signout";
  let code = null;
  const client = await connect(ws, { onClosed: (e) => { code = e.code; } });
  const sub = subscribe(client, `subscription { onDbEvent { seq } }`);
  await client.sync();
  await createCompany(ws, { name: "before sign-out" });
  await settle(ws, sub, 1);
  assert.equal((await gqlMutation(ws, `mutation { signOut }`)).signOut, true);
  await eventually(() => assert.equal(code, 4401, "socket not closed after sign-out"), 10_000);
  await client.dispose();
});

test("an unauthenticated upgrade naming an unknown workspace is refused", async () => {
  const sock = new WebSocket(`${wsURL()}?workspaceId=${crypto.randomUUID()}`, "graphql-transport-ws");
  const status = await new Promise((resolve, reject) => {
    sock.on("unexpected-response", (_req, res) => resolve(res.statusCode));
    sock.on("open", () => reject(new Error("the upgrade was accepted")));
    sock.on("error", () => {});
  });
  assert.equal(status, 401);
});
