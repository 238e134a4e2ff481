// Roles and permissions end to end on wrangler dev: a custom role without
// read on opportunities is refused with Twenty's permission error on
// GraphQL (graphql-request), REST and a subscription (graphql-ws), and a
// field without read permission is not returned.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GraphQLClient } from "graphql-request";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { start, signUp, fetch } from "./harness.mjs";

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });

const client = (path, token) => new GraphQLClient(server.url + path, { headers: { authorization: `Bearer ${token}` }, fetch });
const claims = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

async function signUpInvited(email, password, invite) {
  const anon = new GraphQLClient(server.url + "/metadata", { fetch });
  const up = await anon.request(`mutation($email: String!, $password: String!, $t: String) {
    signUp(email: $email, password: $password, workspacePersonalInviteToken: $t) { loginToken { token } } }`, { email, password, t: invite });
  const t = await anon.request(`mutation($lt: String!, $o: String!) { getAuthTokensFromLoginToken(loginToken: $lt, origin: $o) {
    tokens { accessOrWorkspaceAgnosticToken { token } } } }`, { lt: up.signUp.loginToken.token, o: server.url });
  return t.getAuthTokensFromLoginToken.tokens.accessOrWorkspaceAgnosticToken.token;
}

async function firstError(promise) {
  try { await promise; } catch (e) { return e.response?.errors?.[0]; }
  assert.fail("the request was not refused");
}

test("a role without read on opportunities is refused on GraphQL, REST and subscriptions; a hidden field is not returned", async () => {
  const admin = (await signUp(server, "roles-admin@js.test", "roles admin password")).accessToken;
  const meta = client("/metadata", admin);
  const { createOneRole: role } = await meta.request(`mutation($in: CreateRoleInput!) { createOneRole(createRoleInput: $in) { id label isEditable } }`,
    { in: { label: "Sales", canReadAllObjectRecords: true, canUpdateAllObjectRecords: true, canSoftDeleteAllObjectRecords: true } });
  assert.equal(role.isEditable, true);
  const { objects } = await meta.request(`{ objects(paging: {first: 200}) { edges { node { id nameSingular fields(paging: {first: 200}) { edges { node { id name } } } } } } }`);
  const obj = (n) => objects.edges.find((e) => e.node.nameSingular === n).node;
  const opp = obj("opportunity"), company = obj("company");
  const employees = company.fields.edges.find((e) => e.node.name === "employees").node.id;
  await meta.request(`mutation($in: UpsertObjectPermissionsInput!) { upsertObjectPermissions(upsertObjectPermissionsInput: $in) { objectMetadataId } }`,
    { in: { roleId: role.id, objectPermissions: [{ objectMetadataId: opp.id, canReadObjectRecords: false }] } });
  await meta.request(`mutation($in: UpsertFieldPermissionsInput!) { upsertFieldPermissions(upsertFieldPermissionsInput: $in) { id } }`,
    { in: { roleId: role.id, fieldPermissions: [{ objectMetadataId: company.id, fieldMetadataId: employees, canReadFieldValue: false }] } });

  const { sendInvitations } = await meta.request(`mutation { sendInvitations(emails: ["roles-rep@js.test"]) { result { personalInviteToken } } }`);
  const rep = await signUpInvited("roles-rep@js.test", "roles rep password", sendInvitations.result[0].personalInviteToken);
  await meta.request(`mutation($id: UUID!, $role: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $id, roleId: $role) { id } }`,
    { id: claims(rep).workspaceMemberId, role: role.id });
  const created = await fetch(server.url + "/rest/companies", { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Acme", employees: 42 }) });
  assert.equal(created.status, 201);

  // GraphQL
  const err = await firstError(client("/graphql", rep).request(`{ opportunities { edges { node { id } } } }`));
  assert.equal(err.extensions.code, "FORBIDDEN");
  assert.equal(err.extensions.subCode, "PERMISSION_DENIED");
  assert.equal(err.message, "User does not have permission");
  const { companies } = await client("/graphql", rep).request(`{ companies { edges { node { name employees } } } }`);
  assert.deepEqual(companies.edges.map((e) => e.node), [{ name: "Acme", employees: null }]);

  // REST
  const r = await fetch(server.url + "/rest/opportunities", { headers: { authorization: `Bearer ${rep}` } });
  assert.equal(r.status, 403);
  assert.deepEqual(await r.json(), { statusCode: 403, error: "ForbiddenException", messages: ["User does not have permission"], code: "PERMISSION_DENIED" });
  const rc = await (await fetch(server.url + "/rest/companies", { headers: { authorization: `Bearer ${rep}` } })).json();
  assert.equal(rc.data.companies[0].name, "Acme");
  assert.equal("employees" in rc.data.companies[0], false);
  // ... nor in a related record, nor may it be filtered by (its values would leak).
  const person = await fetch(server.url + "/rest/people", { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ name: { firstName: "Ann" }, companyId: (await created.json()).data.createCompany.id }) });
  assert.equal(person.status, 201);
  const rp = await (await fetch(server.url + "/rest/people?depth=1", { headers: { authorization: `Bearer ${rep}` } })).json();
  assert.equal(rp.data.people[0].company.name, "Acme");
  assert.equal("employees" in rp.data.people[0].company, false);
  const filtered = await fetch(server.url + "/rest/companies?filter=employees%5Bgt%5D%3A1", { headers: { authorization: `Bearer ${rep}` } });
  assert.equal(filtered.status, 403);
  const ferr = await firstError(client("/graphql", rep).request(`{ companies(filter: {employees: {gt: 1}}) { edges { node { id } } } }`));
  assert.equal(ferr.extensions.subCode, "PERMISSION_DENIED");

  // Subscription
  const ws = createClient({
    url: `${server.url.replace(/^http/, "ws")}/graphql?workspaceId=${claims(rep).workspaceId}`, webSocketImpl: WebSocket,
    connectionParams: { token: rep }, retryAttempts: 0, lazy: true,
  });
  try {
    const refusal = await new Promise((resolve, reject) => {
      ws.subscribe({ query: `subscription { onDbEvent(input: { objectNameSingular: "opportunity" }) { action recordId } }` },
        { next: () => reject(new Error("an event was delivered")), error: resolve, complete: () => reject(new Error("completed without a refusal")) });
    });
    assert.equal(refusal[0].extensions.code, "FORBIDDEN");
    assert.equal(refusal[0].extensions.subCode, "PERMISSION_DENIED");
    assert.equal(refusal[0].message, "User does not have permission");
  } finally {
    await ws.dispose();
  }
});

test("field update permissions, settings flags, currentUser and an object-less subscription follow the role", async () => {
  const admin = (await signUp(server, "perms-admin@js.test", "perms admin password")).accessToken;
  const meta = client("/metadata", admin);
  const { createOneRole: role } = await meta.request(`mutation($in: CreateRoleInput!) { createOneRole(createRoleInput: $in) { id } }`,
    { in: { label: "Ops", canReadAllObjectRecords: true, canUpdateAllObjectRecords: true } });
  const { objects } = await meta.request(`{ objects(paging: {first: 200}) { edges { node { id nameSingular fields(paging: {first: 200}) { edges { node { id name } } } } } } }`);
  const obj = (n) => objects.edges.find((e) => e.node.nameSingular === n).node;
  const opp = obj("opportunity"), company = obj("company");
  const employees = company.fields.edges.find((e) => e.node.name === "employees").node.id;
  await meta.request(`mutation($in: UpsertObjectPermissionsInput!) { upsertObjectPermissions(upsertObjectPermissionsInput: $in) { objectMetadataId } }`,
    { in: { roleId: role.id, objectPermissions: [{ objectMetadataId: opp.id, canReadObjectRecords: false }] } });
  await meta.request(`mutation($in: UpsertFieldPermissionsInput!) { upsertFieldPermissions(upsertFieldPermissionsInput: $in) { id } }`,
    { in: { roleId: role.id, fieldPermissions: [{ objectMetadataId: company.id, fieldMetadataId: employees, canReadFieldValue: false, canUpdateFieldValue: false }] } });
  const { sendInvitations } = await meta.request(`mutation { sendInvitations(emails: ["perms-rep@js.test"]) { result { personalInviteToken } } }`);
  const rep = await signUpInvited("perms-rep@js.test", "perms rep password", sendInvitations.result[0].personalInviteToken);
  await meta.request(`mutation($id: UUID!, $role: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $id, roleId: $role) { id } }`,
    { id: claims(rep).workspaceMemberId, role: role.id });

  // Writing a field without update permission: Twenty's error on GraphQL and REST.
  const denied = 'User does not have permission: no permission to write field "employees" on "company"';
  const err = await firstError(client("/graphql", rep).request(`mutation { createCompany(data: {name: "Acme", employees: 3}) { id } }`));
  assert.equal(err.message, denied);
  assert.equal(err.extensions.code, "FORBIDDEN");
  assert.equal(err.extensions.subCode, "PERMISSION_DENIED");
  const r = await fetch(server.url + "/rest/companies", { method: "POST", headers: { authorization: `Bearer ${rep}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Acme", employees: 3 }) });
  assert.equal(r.status, 403);
  const body = await r.json();
  assert.deepEqual([body.messages[0], body.code], [denied, "PERMISSION_DENIED"]);
  const { createCompany } = await client("/graphql", rep).request(`mutation { createCompany(data: {name: "Acme"}) { name } }`);
  assert.equal(createCompany.name, "Acme");

  // Settings need the role's flag.
  const repMeta = client("/metadata", rep);
  const createField = `mutation($in: CreateOneFieldMetadataInput!) { createOneField(input: $in) { name } }`;
  const field = { in: { field: { objectMetadataId: company.id, type: "TEXT", name: "motto", label: "Motto" } } };
  const refused = await firstError(repMeta.request(createField, field));
  assert.deepEqual([refused.message, refused.extensions.code, refused.extensions.subCode], ["User does not have permission", "FORBIDDEN", "PERMISSION_DENIED"]);
  await meta.request(`mutation($in: UpsertPermissionFlagsInput!) { upsertPermissionFlags(upsertPermissionFlagsInput: $in) { flag } }`,
    { in: { roleId: role.id, permissionFlagKeys: ["DATA_MODEL"] } });
  assert.equal((await repMeta.request(createField, field)).createOneField.name, "motto");

  // currentUser reports the role's permissions.
  const { currentUser } = await repMeta.request(`{ currentUser { currentUserWorkspace { permissionFlags
    objectsPermissions { objectMetadataId canReadObjectRecords restrictedFields } } } }`);
  assert.deepEqual(currentUser.currentUserWorkspace.permissionFlags, ["DATA_MODEL"]);
  const perms = Object.fromEntries(currentUser.currentUserWorkspace.objectsPermissions.map((p) => [p.objectMetadataId, p]));
  assert.equal(perms[opp.id].canReadObjectRecords, false);
  assert.deepEqual(perms[company.id].restrictedFields[employees], { canRead: false, canUpdate: false });

  // The workspace-wide stream leaves out opportunities and hidden fields.
  const ws = createClient({
    url: `${server.url.replace(/^http/, "ws")}/graphql?workspaceId=${claims(rep).workspaceId}`, webSocketImpl: WebSocket,
    connectionParams: { token: rep }, retryAttempts: 0, lazy: true,
  });
  try {
    const first = new Promise((resolve, reject) => {
      ws.subscribe({ query: `subscription { onDbEvent(input: {}) { objectNameSingular record } }` },
        { next: (m) => resolve(m.data.onDbEvent), error: reject, complete: () => {} });
    });
    // Frames are handled in order on the socket: once the refusal of a later
    // subscription arrives, the first one is indexed.
    await new Promise((resolve, reject) => {
      ws.subscribe({ query: `subscription { onDbEvent(input: { objectNameSingular: "opportunity" }) { recordId } }` },
        { next: () => reject(new Error("an opportunity was delivered")), error: resolve, complete: () => reject(new Error("completed without a refusal")) });
    });
    for (const [path, data] of [["/rest/opportunities", { name: "Deal" }], ["/rest/companies", { name: "Beta", employees: 9 }]]) {
      const c = await fetch(server.url + path, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify(data) });
      assert.equal(c.status, 201);
    }
    let timer;
    const ev = await Promise.race([first, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("no event within 10 s")), 10_000); })]);
    clearTimeout(timer);
    assert.equal(ev.objectNameSingular, "company");
    assert.equal(ev.record.name, "Beta");
    assert.equal("employees" in ev.record, false);

    // Moved to Member, the socket closes with 4403 (graphql-ws clients retry
    // it and subscribe again under the new role).
    const closed = new Promise((resolve) => ws.on("closed", resolve));
    const { getRoles } = await meta.request(`{ getRoles { id label } }`);
    await meta.request(`mutation($id: UUID!, $role: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $id, roleId: $role) { id } }`,
      { id: claims(rep).workspaceMemberId, role: getRoles.find((r) => r.label === "Member").id });
    const close = await Promise.race([closed, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("not closed within 10 s")), 10_000); })]);
    clearTimeout(timer);
    assert.equal(close.code, 4403);
  } finally {
    await ws.dispose();
  }
});
