// Workflows on workerd: a company.created workflow (HTTP_REQUEST to a
// receiver on loopback, failing once and retried with one Idempotency-Key,
// then CREATE_RECORD titled from the trigger) completes with full
// stepInfos; an update trigger fires only for its watched fields; MANUAL
// through runWorkflowVersion.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { start, signUp, fetch, eventually } from "./harness.mjs";

let server, receiver;
const got = []; // {headers, body}
before(async () => {
  server = await start();
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(got.length === 1 ? 500 : 200, { "content-type": "application/json" }).end(JSON.stringify({ received: got.length }));
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
});
after(async () => { receiver?.close(); await server?.stop(); });

let gql;
async function workspace(email) {
  const s = await signUp(server, email, "js password of flows");
  const headers = { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" };
  gql = async (query, variables) => {
    const r = await fetch(server.url + "/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data;
  };
  return { s, headers };
}

async function newVersion(trigger, steps) {
  const wf = (await gql(`mutation { createWorkflow(data: {name: "js"}) { id } }`)).createWorkflow.id;
  const v = (await gql(`mutation($d: WorkflowVersionCreateInput!) { createWorkflowVersion(data: $d) { id } }`,
    { d: { name: "v1", workflowId: wf, trigger, steps } })).createWorkflowVersion.id;
  return { wf, v };
}

async function runsOf(wf) {
  const d = await gql(`query($w: UUID!) { workflowRuns(filter: {workflowId: {eq: $w}}) { edges { node { id status state startedAt endedAt } } } }`, { w: wf });
  return d.workflowRuns.edges.map((e) => e.node);
}

const dump = (e) => { console.error(server.logs().split("\n").filter((l) => /workflow|alarm|notice|error|panic/i.test(l)).slice(-40).join("\n")); throw e; };

test("workflows: database events, retried HTTP with one key, record steps, watched fields, manual runs", async () => {
  const { headers } = await workspace("flows@js.test");
  const target = `http://127.0.0.1:${receiver.address().port}/flow`;
  const { wf, v } = await newVersion(
    { type: "DATABASE_EVENT", name: "Company created", settings: { eventName: "company.created", outputSchema: {} }, nextStepIds: ["http"] },
    [
      { id: "http", name: "Tell the receiver", type: "HTTP_REQUEST", valid: true, nextStepIds: ["task"],
        settings: { input: { url: target, method: "POST", body: { company: "{{trigger.properties.after.name}}", employees: "{{trigger.properties.after.employees}}" } },
          outputSchema: {}, errorHandlingOptions: { retryOnFailure: { value: true }, continueOnFailure: { value: false } } } },
      { id: "task", name: "Create a task", type: "CREATE_RECORD", valid: true,
        settings: { input: { objectName: "task", objectRecord: { title: "Welcome {{trigger.properties.after.name}}" } }, outputSchema: {} } },
    ]);
  assert.equal((await gql(`mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, { v })).activateWorkflowVersion, true);

  const c = await fetch(server.url + "/rest/companies", { method: "POST", headers, body: JSON.stringify({ name: "Flowing", employees: 42 }) });
  assert.equal(c.status, 201);
  const companyId = (await c.json()).data.createCompany.id;

  const run = await eventually(async () => {
    const rs = await runsOf(wf);
    assert.equal(rs.length, 1);
    assert.equal(rs[0].status, "COMPLETED", JSON.stringify(rs[0].state?.stepInfos));
    return rs[0];
  }, 40_000).catch(dump);
  const infos = run.state.stepInfos;
  assert.equal(infos.trigger.status, "SUCCESS");
  assert.equal(infos.trigger.result.properties.after.id, companyId);
  assert.equal(infos.http.status, "SUCCESS");
  assert.deepEqual(infos.http.result, { received: 2 });
  assert.equal(infos.task.status, "SUCCESS");
  assert.equal(infos.task.result.title, "Welcome Flowing");
  assert.ok(run.startedAt && run.endedAt);
  assert.equal(run.state.flow.steps.length, 2);

  // The receiver saw the failed attempt and its retry, with one key.
  assert.equal(got.length, 2);
  const keys = got.map((g) => g.headers["idempotency-key"]);
  assert.ok(keys[0] && keys[0] === keys[1], JSON.stringify(keys));
  assert.deepEqual(JSON.parse(got[1].body), { company: "Flowing", employees: 42 });
  const tasks = await gql(`{ tasks { edges { node { title } } } }`);
  assert.deepEqual(tasks.tasks.edges.map((e) => e.node.title), ["Welcome Flowing"]);

  // An update trigger watching employees: a name change starts nothing.
  const upd = await newVersion({ type: "DATABASE_EVENT", settings: { eventName: "company.updated", fields: ["employees"] }, nextStepIds: ["note"] },
    [{ id: "note", name: "Note", type: "CREATE_RECORD", valid: true,
      settings: { input: { objectName: "note", objectRecord: { title: "{{trigger.properties.after.name}} has {{trigger.properties.after.employees}} people" } } } }]);
  await gql(`mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, { v: upd.v });
  const patch = (data) => fetch(`${server.url}/rest/companies/${companyId}`, { method: "PATCH", headers, body: JSON.stringify(data) });
  assert.equal((await patch({ name: "Flowing Inc" })).status, 200);
  assert.equal((await patch({ employees: 43 })).status, 200);
  await eventually(async () => {
    const rs = await runsOf(upd.wf);
    assert.equal(rs.length, 1);
    assert.equal(rs[0].status, "COMPLETED");
  }, 40_000).catch(dump);
  const notes = await gql(`{ notes { edges { node { title } } } }`);
  assert.deepEqual(notes.notes.edges.map((e) => e.node.title), ["Flowing Inc has 43 people"]);
  assert.equal((await runsOf(upd.wf)).length, 1, "the unwatched update started no run");

  // MANUAL through runWorkflowVersion.
  const man = await newVersion({ type: "MANUAL", settings: {}, nextStepIds: ["t"] },
    [{ id: "t", name: "Task", type: "CREATE_RECORD", valid: true, settings: { input: { objectName: "task", objectRecord: { title: "Manual {{trigger.who}}" } } } }]);
  const out = await gql(`mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v, payload: {who: "Ada"}}) { workflowRunId } }`, { v: man.v });
  const [mr] = await runsOf(man.wf);
  assert.equal(mr.id, out.runWorkflowVersion.workflowRunId);
  assert.equal(mr.status, "COMPLETED");
  assert.equal(mr.state.stepInfos.t.result.title, "Manual Ada");
});

const activate = (v) => gql(`mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, { v });
const step = (id, type, input, nextStepIds = [], extra = {}) => ({ id, name: id, type, valid: true, nextStepIds, settings: { input, ...extra } });

test("workflows: loop guard, ITERATOR over FIND_RECORDS with IF_ELSE, DELAY on the alarm, FORM, WEBHOOK, CRON", async () => {
  const { s, headers } = await workspace("more-flows@js.test");
  // A workflow whose own update retriggers it stops at the loop guard.
  const loop = await newVersion({ type: "DATABASE_EVENT", settings: { eventName: "opportunity.updated" }, nextStepIds: ["u"] },
    [step("u", "UPDATE_RECORD", { objectName: "opportunity", objectRecordId: "{{trigger.recordId}}", objectRecord: { name: "{{trigger.properties.after.name}}+" } })]);
  await activate(loop.v);
  const o = await fetch(server.url + "/rest/opportunities", { method: "POST", headers, body: JSON.stringify({ name: "Deal" }) });
  const oppId = (await o.json()).data.createOpportunity.id;
  await fetch(`${server.url}/rest/opportunities/${oppId}`, { method: "PATCH", headers, body: JSON.stringify({ name: "Deal" }) });
  const guarded = await eventually(async () => {
    const rs = await runsOf(loop.wf);
    const failed = rs.filter((r) => r.status === "FAILED");
    assert.equal(failed.length, 1, JSON.stringify(rs.map((r) => r.status)));
    return rs;
  }, 60_000).catch(dump);
  assert.equal(guarded.length, 7, "runs of depth 0..5 complete, the 7th is refused");
  assert.match(guarded.find((r) => r.status === "FAILED").state.error, /loop guard/);
  const opp = await gql(`query($id: UUID!) { opportunity(filter: {id: {eq: $id}}) { name } }`, { id: oppId });
  assert.equal(opp.opportunity.name, "Deal++++++");

  // ITERATOR over FIND_RECORDS, IF_ELSE per item.
  for (const [name, employees] of [["Huge", 900], ["Tiny", 3]]) {
    await fetch(server.url + "/rest/companies", { method: "POST", headers, body: JSON.stringify({ name, employees }) });
  }
  const it = await newVersion({ type: "MANUAL", settings: {}, nextStepIds: ["find"] }, [
    step("find", "FIND_RECORDS", { objectName: "company", filter: { employees: { gte: 1 } } }, ["each"]),
    step("each", "ITERATOR", { items: "{{find.all}}", initialLoopStepIds: ["big"] }),
    step("big", "IF_ELSE", {
      stepFilterGroups: [{ id: "g", logicalOperator: "AND" }],
      stepFilters: [{ id: "f", type: "NUMBER", stepFilterGroupId: "g", stepOutputKey: "{{each.currentItem.employees}}", operand: "greaterThan", value: "100" }],
      branches: [{ id: "yes", filterGroupId: "g", nextStepIds: ["bigTask"] }, { id: "no", nextStepIds: ["smallTask"] }],
    }),
    step("bigTask", "CREATE_RECORD", { objectName: "task", objectRecord: { title: "Call {{each.currentItem.name}}" } }, ["each"]),
    step("smallTask", "CREATE_RECORD", { objectName: "task", objectRecord: { title: "Mail {{each.currentItem.name}}" } }, ["each"]),
  ]);
  await gql(`mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, { v: it.v });
  const [itRun] = await runsOf(it.wf);
  assert.equal(itRun.status, "COMPLETED", JSON.stringify(itRun.state.stepInfos));
  const titles = (await gql(`{ tasks { edges { node { title } } } }`)).tasks.edges.map((e) => e.node.title).sort();
  assert.deepEqual(titles, ["Call Huge", "Mail Tiny"]);

  // DELAY (2 s on the object's alarm), then a FORM that waits for submitFormStep.
  const dl = await newVersion({ type: "MANUAL", settings: {}, nextStepIds: ["wait"] }, [
    step("wait", "DELAY", { delayType: "DURATION", duration: { seconds: 2 } }, ["ask"]),
    step("ask", "FORM", [{ name: "title", type: "TEXT" }], ["note"]),
    step("note", "CREATE_RECORD", { objectName: "note", objectRecord: { title: "{{ask.title}}" } }),
  ]);
  const t0 = Date.now();
  const dr = (await gql(`mutation($v: UUID!) { runWorkflowVersion(input: {workflowVersionId: $v}) { workflowRunId } }`, { v: dl.v })).runWorkflowVersion.workflowRunId;
  await eventually(async () => {
    const [r] = await runsOf(dl.wf);
    assert.equal(r.state.stepInfos.ask.status, "PENDING");
  }, 20_000).catch(dump);
  assert.ok(Date.now() - t0 >= 2000, "the delay waited");
  await gql(`mutation($r: UUID!) { submitFormStep(input: {workflowRunId: $r, stepId: "ask", response: {title: "Answered"}}) }`, { r: dr });
  const [done] = await runsOf(dl.wf);
  assert.equal(done.status, "COMPLETED");
  assert.deepEqual((await gql(`{ notes { edges { node { title } } } }`)).notes.edges.map((e) => e.node.title), ["Answered"]);

  // WEBHOOK: a public POST starts a run with the body as payload.
  const wh = await newVersion({ type: "WEBHOOK", settings: { httpMethod: "POST" }, nextStepIds: ["p"] },
    [step("p", "CREATE_RECORD", { objectName: "person", objectRecord: { name: { firstName: "{{trigger.first}}" } } })]);
  await activate(wh.v);
  const hook = await fetch(`${server.url}/webhooks/workflows/${s.workspaceId}/${wh.wf}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ first: "Grace" }) });
  assert.equal(hook.status, 200);
  const hookBody = await hook.json();
  const [whRun] = await runsOf(wh.wf);
  assert.equal(whRun.id, hookBody.workflowRunId);
  assert.equal(whRun.status, "COMPLETED");
  assert.equal(whRun.state.stepInfos.p.result.name.firstName, "Grace");

  // CRON every 2 seconds: runs keep coming on the alarm.
  const cr = await newVersion({ type: "CRON", settings: { type: "CUSTOM", pattern: "*/2 * * * * *" }, nextStepIds: ["e"] }, [step("e", "EMPTY", {})]);
  await activate(cr.v);
  await eventually(async () => {
    const rs = await runsOf(cr.wf);
    assert.ok(rs.filter((r) => r.status === "COMPLETED").length >= 2, `${rs.length} cron runs`);
  }, 30_000).catch(dump);
  await gql(`mutation($v: UUID!) { deactivateWorkflowVersion(workflowVersionId: $v) }`, { v: cr.v });
});

test("workflows: SEND_EMAIL through the send_email binding (wrangler writes the message to a file)", async () => {
  await workspace("mail-flows@js.test");
  const m = await newVersion({ type: "MANUAL", settings: {}, nextStepIds: ["mail"] },
    [step("mail", "SEND_EMAIL", { connectedAccountId: "", email: "{{trigger.to}}", subject: "Hello {{trigger.name}}", body: "Welcome aboard, {{trigger.name}}." })]);
  await gql(`mutation($v: UUID!, $p: JSON) { runWorkflowVersion(input: {workflowVersionId: $v, payload: $p}) { workflowRunId } }`,
    { v: m.v, p: { to: "ada@example.com", name: "Ada" } });
  const run = await eventually(async () => {
    const [r] = await runsOf(m.wf);
    assert.equal(r.status, "COMPLETED", JSON.stringify(r.state.stepInfos));
    return r;
  }, 30_000).catch(dump);
  // A whole MIME message under the Message-ID the step derived from run
  // and step (the same on a retry), which is the step's messageId.
  const id = run.state.stepInfos.mail.result.messageId;
  assert.match(id, /^<[0-9a-f-]{36}@edgecrm\.dev>$/);
  const logs = server.logs();
  assert.match(logs, /send_email binding called with the following message/);
  const file = logs.match(/(\S+\.eml)/)?.[1];
  assert.ok(file, "the message's file is named in the log");
  const eml = readFileSync(file, "utf8");
  assert.ok(eml.includes(`Message-ID: ${id}\r\n`), eml);
  assert.match(eml, /\r\nTo: ada@example\.com\r\n/);
  assert.match(eml, /\r\nSubject: Hello Ada\r\n/);
  assert.equal(Buffer.from(eml.split("\r\n\r\n")[1], "base64").toString(), "Welcome aboard, Ada.");
});
