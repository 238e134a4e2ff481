// Webhooks on workerd: a receiver on loopback verifies Twenty's signature
// with Node's crypto; deliveries are filtered by operations, retried after
// a failure, and logged for the admin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";
import { start, signUp, fetch, eventually, ADMIN_TOKEN } from "./harness.mjs";

let server, receiver;
const got = []; // {headers, body}
before(async () => {
  server = await start(["WEBHOOK_RETRY_BASE_MS:200"]);
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(got.length === 1 ? 500 : 200).end(); // the first delivery fails once
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
});
after(async () => { receiver?.close(); await server?.stop(); });

const SECRET = "whsec-js-test";

function verified({ headers, body }) {
  const ts = headers["x-twenty-webhook-timestamp"], sig = headers["x-twenty-webhook-signature"];
  assert.ok(ts && sig, "signed");
  assert.match(headers["x-twenty-webhook-nonce"], /^[0-9a-f]{32}$/);
  const want = createHmac("sha256", SECRET).update(`${ts}:${body}`).digest("hex");
  assert.ok(timingSafeEqual(Buffer.from(sig), Buffer.from(want)), "signature verifies");
  return JSON.parse(body);
}

test("webhook deliveries are signed, filtered, retried and logged", async () => {
  const s = await signUp(server, "hooks@js.test", "js password of hooks");
  const auth = { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" };
  const call = async (path, body) => {
    const r = await fetch(server.url + path, { method: "POST", headers: auth, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };
  const target = `http://127.0.0.1:${receiver.address().port}/hook`;
  const created = await call("/metadata", {
    query: `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id targetUrl operations } }`,
    variables: { input: { targetUrl: target, operations: ["company.created", "person.*"], secret: SECRET, description: "js" } },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const hook = created.body.data.createWebhook;
  assert.deepEqual(hook.operations, ["company.created", "person.*"]);

  const company = await call("/rest/companies", { name: "Hooked" });
  assert.equal(company.status, 201);
  const companyId = company.body.data.createCompany.id;
  await fetch(server.url + "/rest/companies/" + companyId, { method: "PATCH", headers: auth, body: JSON.stringify({ employees: 3 }) }); // not watched
  await call("/rest/notes", { title: "not watched" });
  await call("/rest/people", { name: { firstName: "Ada", lastName: "Lovelace" } });

  // company.created (failed once, then retried) and person.created.
  await eventually(() => assert.ok(got.length >= 3, `${got.length} posts`), 30_000).catch((e) => { console.error(server.logs().split("\n").filter((l) => /webhook|alarm|queue|error|notice/i.test(l)).slice(-40).join("\n")); throw e; });
  const bodies = got.map(verified);
  const names = bodies.map((b) => b.eventName);
  assert.deepEqual([...new Set(names)].sort(), ["company.created", "person.created"]);
  const c = bodies.find((b) => b.eventName === "company.created");
  assert.equal(c.webhookId, hook.id);
  assert.equal(c.workspaceId, s.workspaceId);
  assert.equal(c.targetUrl, target);
  assert.equal(c.objectMetadata.nameSingular, "company");
  assert.equal(c.record.id, companyId);
  assert.equal(c.record.name, "Hooked");
  assert.equal(names.filter((n) => n === bodies[0].eventName).length, 2, "the failed delivery was retried once");

  const log = await eventually(async () => {
    const r = await fetch(`${server.url}/admin/workspaces/${s.workspaceId}/webhooks/${hook.id}/deliveries`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const b = await r.json();
    assert.equal(r.status, 200, JSON.stringify(b));
    assert.equal(b.log.length, 3);
    return b;
  });
  // One round may post both events at once, so the failed attempt is found
  // by its outcome, not by its place in the log.
  const failed = log.log.filter((e) => e.outcome !== "delivered");
  assert.equal(failed.length, 1, JSON.stringify(log.log));
  assert.equal(failed[0].outcome, "retrying");
  assert.equal(failed[0].status, 500);
  assert.equal(failed[0].attempt, 1);
  assert.equal(failed[0].eventName, bodies[0].eventName, "the attempt the receiver refused");
  const retried = log.log.find((e) => e.deliveryId === failed[0].deliveryId && e.attempt === 2);
  assert.equal(retried?.outcome, "delivered", JSON.stringify(log.log));
  assert.ok(log.deliveries.every((d) => d.status === "delivered"), JSON.stringify(log.deliveries));

  const list = await fetch(server.url + "/rest/webhooks", { headers: auth });
  assert.equal(list.status, 200);
  assert.deepEqual((await list.json()).map((h) => h.id), [hook.id]);
});
