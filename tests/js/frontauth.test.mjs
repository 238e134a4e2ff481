// The frontend's sign-up, boot and workspace set-up with Twenty's own
// documents (tests/js/twenty-front: auth/, users/, workspace/) through a
// real GraphQL client (graphql-request) on /metadata against edgecrm on
// wrangler dev: SignUp answering a session, GetCurrentUser, the workspace
// named by ActivateWorkspace and UpdateWorkspace, SignIn, CheckUserExists,
// GetPublicWorkspaceDataByDomain, SignUpInNewWorkspace, invitations resent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GraphQLClient } from "graphql-request";
import { start, eventually, fetch, frontDoc } from "./harness.mjs";

let server;
before(async () => { server = await start(); });
after(async () => { await server?.stop(); });

const doc = frontDoc;

const client = (token) => new GraphQLClient(server.url + "/metadata", {
  fetch, headers: token ? { authorization: `Bearer ${token}` } : {},
});

test("sign up, boot, name the workspace, sign in again, open a second workspace", async () => {
  const email = "frontauth@js.test", password = "a js passphrase";
  const up = await client().request(doc("auth/SignUp.graphql"), { email, password, locale: "en", verifyEmailRedirectPath: "/verify" });
  const access = up.signUp.tokens.accessOrWorkspaceAgnosticToken.token;
  const [ws] = up.signUp.availableWorkspaces.availableWorkspacesForSignIn;
  assert.ok(access && up.signUp.tokens.refreshToken.token && ws.id);

  const me = (await client(access).request(doc("users/GetCurrentUser.graphql"))).currentUser;
  assert.equal(me.email, email);
  assert.equal(me.isWorkspaceCreator, true);
  assert.equal(me.currentWorkspace.id, ws.id);
  assert.equal(me.currentWorkspace.currentBillingSubscription, null);
  assert.equal(me.workspaceMember.userEmail, email);
  assert.ok(me.currentUserWorkspace.objectsPermissions.length > 5);

  const act = await client(access).request(doc("workspace/ActivateWorkspace.graphql"), { input: { displayName: "JS Engines" } });
  assert.equal(act.activateWorkspace.id, ws.id);
  const upd = await client(access).request(doc("workspace/UpdateWorkspace.graphql"), { input: { logo: "https://example.com/l.png" } });
  assert.equal(upd.updateWorkspace.displayName, "JS Engines");
  assert.equal(upd.updateWorkspace.logo, "https://example.com/l.png");
  const again = (await client(access).request(doc("users/GetCurrentUser.graphql"))).currentUser;
  assert.equal(again.currentWorkspace.displayName, "JS Engines");

  const exists = await client().request(doc("auth/CheckUserExists.graphql"), { email });
  assert.deepEqual(exists.checkUserExists, { exists: true, availableWorkspacesCount: 1, isEmailVerified: false });
  const pub = await client().request(doc("auth/GetPublicWorkspaceDataByDomain.graphql"), { origin: `https://${ws.id}.crm.test` });
  assert.equal(pub.getPublicWorkspaceDataByDomain.authProviders.password, true);

  const signIn = await client().request(doc("auth/SignIn.graphql"), { email, password });
  const access2 = signIn.signIn.tokens.accessOrWorkspaceAgnosticToken.token;
  assert.notEqual(access2, access);
  assert.equal((await client(access2).request(`{ currentUser { email } }`)).currentUser.email, email);

  const inv = await client(access2).request(`mutation { sendInvitations(emails: ["friend@js.test"]) { result { id } } }`);
  const resent = await client(access2).request(doc("workspace/ResendWorkspaceInvitation.graphql"), { appTokenId: inv.sendInvitations.result[0].id });
  assert.equal(resent.resendWorkspaceInvitation.result[0].email, "friend@js.test");
  assert.notEqual(resent.resendWorkspaceInvitation.result[0].id, inv.sendInvitations.result[0].id);

  const created = await client(access2).request(doc("auth/SignUpInNewWorkspace.graphql"), { input: {} });
  const ws2 = created.signUpInNewWorkspace.workspace.id;
  assert.ok(ws2 && ws2 !== ws.id);
  const t = await client().request(doc("auth/GetAuthTokensFromLoginToken.graphql"),
    { loginToken: created.signUpInNewWorkspace.loginToken.token, origin: server.url });
  const access3 = t.getAuthTokensFromLoginToken.tokens.accessOrWorkspaceAgnosticToken.token;
  // The edge learns the new membership through KV/D1, written by the
  // account's outbox after the answer: wait for it.
  const me3 = await eventually(async () => (await client(access3).request(`{ currentUser { currentWorkspace { id } } }`)).currentUser);
  assert.equal(me3.currentWorkspace.id, ws2);
});
