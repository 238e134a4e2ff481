// Workflows on workerd: a company.created workflow (HTTP_REQUEST to a
// receiver on loopback, failing once and retried with one Idempotency-Key,
// then CREATE_RECORD titled from the trigger) completes with full
// stepInfos; an update trigger fires only for its watched fields; MANUAL
// through runWorkflowVersion.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
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
async function workspace() {
  const s = await signUp(server, "flows@js.test", "js password of flows");
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
  const { headers } = await workspace();
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
