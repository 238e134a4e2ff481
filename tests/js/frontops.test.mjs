// Twenty's frontend operations that mail, delete or extend the metadata,
// with its own documents (tests/js/twenty-front) through a real GraphQL
// client (graphql-request) on /metadata against edgecrm on wrangler dev:
// password reset and email verification (the mail goes through the
// send_email binding; wrangler writes each message to a file the test
// reads), generateTransientToken, getRoles' agents, view field groups,
// custom indexes, deleteCurrentWorkspace and deleteUser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { GraphQLClient } from "graphql-request";
import { start, eventually, fetch, signUp, frontDoc } from "./harness.mjs";

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });

const doc = frontDoc;

const client = (token) => new GraphQLClient(server.url + "/metadata", {
  fetch, headers: token ? { authorization: `Bearer ${token}` } : {},
});

// refused runs a document that must fail, and returns the first error.
async function refused(c, query, vars) {
  try {
    await c.request(query, vars);
  } catch (e) {
    return e.response?.errors?.[0] ?? e;
  }
  assert.fail("the request was not refused");
}

// mails returns the texts of the messages sent to `to` (wrangler logs each
// message's headers and writes its text part to the file it names).
function mails(to) {
  return server.logs().split("send_email binding called with").slice(1)
    .filter((m) => m.includes(`To: ${to}`))
    .map((m) => readFileSync(m.match(/Text: (\S+\.txt)/)[1], "utf8"));
}

const tokenIn = (text, marker) => decodeURIComponent(text.slice(text.indexOf(marker) + marker.length).split(/[\s&]/)[0]);

test("password reset: emailed link, validate, new password, every session ends", async () => {
  const email = "reset@js.test";
  const s = await signUp(server, email, "the js old password");
  for (const e of ["nobody@js.test", email, email]) {
    assert.equal((await client().request(doc("auth/EmailPasswordResetLink"), { email: e })).emailPasswordResetLink.success, true);
  }
  const sent = await eventually(async () => { const m = mails(email); assert.equal(m.length, 1); return m; });
  assert.equal(mails("nobody@js.test").length, 0, "an unknown address gets no mail");
  const token = tokenIn(sent[0], "/reset-password/");
  assert.ok(!server.logs().includes(token.split(".")[1]), "the token is in no log line");

  const v = (await client().request(doc("auth/ValidatePasswordResetToken"), { token })).validatePasswordResetToken;
  assert.equal(v.email, email);
  assert.equal(v.hasPassword, true);
  const ok = await client().request(doc("auth/UpdatePasswordViaResetToken"), { token, newPassword: "the js new password" });
  assert.equal(ok.updatePasswordViaResetToken.success, true);
  assert.match((await refused(client(), doc("auth/UpdatePasswordViaResetToken"), { token, newPassword: "once more please" })).message, /invalid/);

  const login = doc("auth/GetLoginTokenFromCredentials");
  await refused(client(), login, { email, password: "the js old password", origin: server.url });
  assert.ok((await client().request(login, { email, password: "the js new password", origin: server.url })).getLoginTokenFromCredentials.loginToken.token);
  const err = await refused(client(s.accessToken), `{ currentUser { id } }`);
  assert.equal(err.extensions?.code, "UNAUTHENTICATED");
});

test("email verification: emailed link, a login token once, then a session from another address", async () => {
  const email = "verify@js.test";
  await signUp(server, email, "the js verify password");
  await client().request(doc("auth/ResendEmailVerificationToken"), { email, origin: "https://crm.js.test" });
  const [text] = await eventually(async () => { const m = mails(email); assert.equal(m.length, 1); return m; });
  assert.match(text, /https:\/\/crm\.js\.test\/verify-email\?/);
  const token = tokenIn(text, "emailVerificationToken=");
  const vars = { emailVerificationToken: token, email, origin: "https://crm.js.test" };
  const r = (await client().request(doc("auth/GetLoginTokenFromEmailVerificationToken"), vars)).getLoginTokenFromEmailVerificationToken;
  assert.ok(r.loginToken.token && r.loginToken.expiresAt);
  await refused(client(), doc("auth/GetLoginTokenFromEmailVerificationToken"), vars);
  const exists = await client().request(`query($e: String!) { checkUserExists(email: $e) { exists isEmailVerified } }`, { e: email });
  assert.deepEqual(exists.checkUserExists, { exists: true, isEmailVerified: true });

  const other = "verify2@js.test";
  await signUp(server, other, "the js verify password");
  await client().request(doc("auth/ResendEmailVerificationToken"), { email: other, origin: server.url });
  const [t2] = await eventually(async () => { const m = mails(other); assert.equal(m.length, 1); return m; });
  const a = (await client().request(doc("auth/GetWorkspaceAgnosticTokenFromEmailVerificationToken"),
    { emailVerificationToken: tokenIn(t2, "emailVerificationToken="), email: other })).getWorkspaceAgnosticTokenFromEmailVerificationToken;
  assert.equal(a.availableWorkspaces.availableWorkspacesForSignIn.length, 1);
  const me = await client(a.tokens.accessOrWorkspaceAgnosticToken.token).request(`{ currentUser { email } }`);
  assert.equal(me.currentUser.email, other);
});

test("generateTransientToken, getRoles with agents, view field groups, custom indexes", async () => {
  const s = await signUp(server, "settings@js.test", "the js settings password");
  const c = client(s.accessToken);
  const t = (await c.request(doc("auth/generateTransientToken"))).generateTransientToken.transientToken;
  assert.ok(t.token);
  await refused(client(t.token), `{ currentUser { id } }`);

  const roles = (await c.request(doc("settings/GetRoles"))).getRoles;
  assert.ok(roles.length >= 2);
  for (const r of roles) assert.deepEqual(r.agents, []);
  assert.ok(roles.some((r) => r.workspaceMembers.some((m) => m.name && m.userWorkspaceId)));

  const objects = (await c.request(`{ objects(paging: {first: 100}) { edges { node { id nameSingular fieldsList { id name } } } } }`)).objects.edges.map((e) => e.node);
  const person = objects.find((o) => o.nameSingular === "person");
  const field = (n) => person.fieldsList.find((f) => f.name === n).id;
  const [view] = (await c.request(`query($o: String) { getCoreViews(objectMetadataId: $o) { id } }`, { o: person.id })).getCoreViews;
  const g = (await c.request(doc("views/CreateViewFieldGroup"), { input: { viewId: view.id, name: "Contact" } })).createViewFieldGroup;
  await c.request(`mutation($i: CreateViewFieldInput!) { createCoreViewField(input: $i) { id } }`,
    { i: { viewId: view.id, fieldMetadataId: field("city"), viewFieldGroupId: g.id } });
  const u = (await c.request(doc("views/UpdateViewFieldGroup"), { input: { id: g.id, update: { name: "Contact details", isVisible: false } } })).updateViewFieldGroup;
  assert.equal(u.name, "Contact details");
  assert.equal(u.isVisible, false);
  assert.deepEqual(u.viewFields.map((f) => f.fieldMetadataId), [field("city")]);

  const idx = (await c.request(doc("object-metadata/CreateOneIndexMetadataItem"), { input: { index: {
    objectMetadataId: person.id, fields: [{ fieldMetadataId: field("name"), subFieldName: "lastName" }, { fieldMetadataId: field("city") }] } } })).createOneIndex;
  assert.equal(idx.isCustom, true);
  assert.deepEqual(idx.indexFieldMetadataList.map((f) => f.subFieldName), ["lastName", null]);
  const listed = async () => (await c.request(doc("object-metadata/ObjectMetadataItems"))).objects.edges
    .find((e) => e.node.nameSingular === "person").node.indexMetadataList.map((i) => i.id);
  assert.ok((await listed()).includes(idx.id));
  const d = (await c.request(doc("object-metadata/DeleteOneIndexMetadataItem"), { idToDelete: idx.id })).deleteOneIndex;
  assert.equal(d.name, idx.name);
  assert.ok(!(await listed()).includes(idx.id));
});

test("deleteCurrentWorkspace and deleteUser", async () => {
  const admin = await signUp(server, "delete-ws@js.test", "the js delete password");
  const ws = (await client(admin.accessToken).request(doc("workspace/DeleteCurrentWorkspace"))).deleteCurrentWorkspace;
  assert.equal(ws.id, admin.workspaceId);
  assert.equal((await refused(client(admin.accessToken), `{ currentUser { id } }`)).extensions?.code, "UNAUTHENTICATED");

  const user = await signUp(server, "delete-me@js.test", "the js delete password");
  const me = (await client(user.accessToken).request(`{ currentUser { id } }`)).currentUser;
  const del = (await client(user.accessToken).request(doc("users/DeleteUserAccount"))).deleteUser;
  assert.equal(del.id, me.id);
  await refused(client(user.accessToken), `{ currentUser { id } }`);
  await refused(client(), doc("auth/GetLoginTokenFromCredentials"), { email: "delete-me@js.test", password: "the js delete password", origin: server.url });
});
