package edge_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var spreadRe = regexp.MustCompile(`\.\.\.([A-Z][A-Za-z0-9]*)`)

// frontDoc reads one of Twenty's frontend documents (tests/js/twenty-front)
// with the fragments it spreads, transitively, as the frontend sends it.
func frontDoc(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("..", "tests", "js", "twenty-front")
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	doc, seen := string(b), map[string]bool{}
	for todo := []string{doc}; len(todo) > 0; {
		text := todo[0]
		todo = todo[1:]
		for _, m := range spreadRe.FindAllStringSubmatch(text, -1) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			f, err := os.ReadFile(filepath.Join(dir, "fragments", m[1]+".graphql"))
			if err != nil {
				t.Fatalf("%s spreads %s: %v", name, m[1], err)
			}
			doc += "\n" + string(f)
			todo = append(todo, string(f))
		}
	}
	return strings.TrimSpace(doc)
}

func TestGetCurrentUser(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	q := frontDoc(t, "users/GetCurrentUser.graphql")
	r := c.gql(ada.Access, q, nil)
	if r.Status != 200 || r.Body["errors"] != nil {
		t.Fatalf("currentUser: %d %s", r.Status, r.Raw)
	}
	u := dig(r.Body, "data", "currentUser")
	if dig(u, "email") != "ada@example.com" || dig(u, "isWorkspaceCreator") != true || dig(u, "onboardingStatus") != "COMPLETED" {
		t.Fatalf("user: %s", r.Raw)
	}
	if dig(u, "currentWorkspace", "id") != ada.Workspace || dig(u, "currentWorkspace", "workspaceMembersCount") != float64(1) ||
		dig(u, "currentWorkspace", "activationStatus") != "ACTIVE" || dig(u, "currentWorkspace", "currentBillingSubscription") != nil {
		t.Fatalf("workspace: %s", r.Raw)
	}
	memberID := dig(u, "workspaceMember", "id")
	if memberID == nil || dig(u, "workspaceMember", "userEmail") != "ada@example.com" || dig(u, "workspaceMember", "locale") != "en" ||
		dig(u, "currentUserWorkspace", "id") != memberID {
		t.Fatalf("member: %s", r.Raw)
	}
	if flags, _ := dig(u, "currentUserWorkspace", "permissionFlags").([]any); len(flags) == 0 {
		t.Fatalf("an admin has settings permissions: %s", r.Raw)
	}
	if perms, _ := dig(u, "currentUserWorkspace", "objectsPermissions").([]any); len(perms) < 5 || dig(perms[0], "canReadObjectRecords") != true {
		t.Fatalf("object permissions: %s", r.Raw)
	}
	if ws, _ := dig(u, "availableWorkspaces", "availableWorkspacesForSignIn").([]any); len(ws) != 1 || dig(ws[0], "id") != ada.Workspace {
		t.Fatalf("available workspaces: %s", r.Raw)
	}

	// The member's profile comes from its workspaceMember record.
	upd := c.do("POST", "/graphql", ada.Access, `{"query":"mutation($id: UUID!) { updateWorkspaceMember(id: $id, data: {name: {firstName: \"Ada\", lastName: \"Lovelace\"}, locale: \"fr-FR\"}) { id } }","variables":{"id":"`+memberID.(string)+`"}}`)
	if upd.Status != 200 || upd.Body["errors"] != nil {
		t.Fatalf("update member: %d %s", upd.Status, upd.Raw)
	}
	r = c.gql(ada.Access, q, nil)
	u = dig(r.Body, "data", "currentUser")
	if dig(u, "firstName") != "Ada" || dig(u, "lastName") != "Lovelace" || dig(u, "workspaceMember", "locale") != "fr-FR" {
		t.Fatalf("after the update: %s", r.Raw)
	}

	// An API key is no user.
	key := c.gql(ada.Access, `mutation { createApiKey(input: {name: "k"}) { id } }`, nil)
	tok := c.gql(ada.Access, `mutation($id: UUID!) { generateApiKeyToken(apiKeyId: $id, expiresAt: "2999-01-01T00:00:00Z") { token } }`,
		map[string]any{"id": dig(key.Body, "data", "createApiKey", "id")})
	apiKey, _ := dig(tok.Body, "data", "generateApiKeyToken", "token").(string)
	if apiKey == "" {
		t.Fatalf("api key token: %s", tok.Raw)
	}
	// (a query's field error: 200 with the error, as the metadata API's status policy says)
	if r := c.gql(apiKey, `{ currentUser { id } }`, nil); r.Raw == "" || !strings.Contains(r.Raw, `"code":"FORBIDDEN"`) || dig(r.Body, "data", "currentUser") != nil {
		t.Fatalf("an API key's currentUser: %d %s", r.Status, r.Raw)
	}

	// Without a token there is no current user.
	if r := c.gql("", q, nil); r.Status != 401 {
		t.Fatalf("anonymous: %d %s", r.Status, r.Raw)
	}
}

// Twenty's current sign-up and sign-in answer a session at once.
func TestSignUpAndSignInAnswerSessions(t *testing.T) {
	c := newClient(t, nil)
	r := c.gql("", frontDoc(t, "auth/SignUp.graphql"), map[string]any{
		"email": "grace@example.com", "password": "a long passphrase", "locale": "en", "verifyEmailRedirectPath": "/verify"})
	access := dig(r.Body, "data", "signUp", "tokens", "accessOrWorkspaceAgnosticToken", "token")
	ws, _ := dig(r.Body, "data", "signUp", "availableWorkspaces", "availableWorkspacesForSignIn").([]any)
	if r.Status != 200 || access == nil || dig(r.Body, "data", "signUp", "tokens", "refreshToken", "token") == nil || len(ws) != 1 {
		t.Fatalf("signUp: %d %s", r.Status, r.Raw)
	}
	me := c.gql(access.(string), `{ currentUser { email currentWorkspace { id } } }`, nil)
	if dig(me.Body, "data", "currentUser", "email") != "grace@example.com" || dig(me.Body, "data", "currentUser", "currentWorkspace", "id") != dig(ws[0], "id") {
		t.Fatalf("currentUser after signUp: %s", me.Raw)
	}

	signIn := frontDoc(t, "auth/SignIn.graphql")
	r = c.gql("", signIn, map[string]any{"email": "Grace@Example.com", "password": "a long passphrase"})
	access2 := dig(r.Body, "data", "signIn", "tokens", "accessOrWorkspaceAgnosticToken", "token")
	if r.Status != 200 || access2 == nil || access2 == access {
		t.Fatalf("signIn: %d %s", r.Status, r.Raw)
	}
	me = c.gql(access2.(string), `{ currentUser { email } }`, nil)
	if dig(me.Body, "data", "currentUser", "email") != "grace@example.com" {
		t.Fatalf("currentUser after signIn: %s", me.Raw)
	}
	// A wrong password is refused like any login, and issues nothing.
	r = c.gql("", signIn, map[string]any{"email": "grace@example.com", "password": "wrong"})
	if r.Status != 401 || dig(r.Body, "data", "signIn") != nil {
		t.Fatalf("wrong password: %d %s", r.Status, r.Raw)
	}

	// The older shape still answers a login token (unspent).
	s := c.signUpAndLogIn("linus@example.com", "another passphrase", "")
	if s.Access == "" {
		t.Fatal("no access token")
	}
	r = c.gql("", frontDoc(t, "auth/GetLoginTokenFromCredentials.graphql"), map[string]any{"email": "linus@example.com", "password": "another passphrase", "origin": "http://localhost"})
	lt := dig(r.Body, "data", "getLoginTokenFromCredentials", "loginToken", "token")
	if lt == nil {
		t.Fatalf("login token: %s", r.Raw)
	}
	r = c.gql("", frontDoc(t, "auth/GetAuthTokensFromLoginToken.graphql"), map[string]any{"loginToken": lt, "origin": "http://localhost"})
	if dig(r.Body, "data", "getAuthTokensFromLoginToken", "tokens", "refreshToken", "token") == nil {
		t.Fatalf("tokens: %s", r.Raw)
	}
}

func TestUpdateAndActivateWorkspace(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	r := c.gql(ada.Access, frontDoc(t, "workspace/ActivateWorkspace.graphql"), map[string]any{"input": map[string]any{"displayName": "Analytical Engines"}})
	if r.Status != 200 || dig(r.Body, "data", "activateWorkspace", "id") != ada.Workspace {
		t.Fatalf("activateWorkspace: %d %s", r.Status, r.Raw)
	}
	update := frontDoc(t, "workspace/UpdateWorkspace.graphql")
	r = c.gql(ada.Access, update, map[string]any{"input": map[string]any{"logo": "https://example.com/logo.png"}})
	if r.Status != 200 || dig(r.Body, "data", "updateWorkspace", "displayName") != "Analytical Engines" ||
		dig(r.Body, "data", "updateWorkspace", "logo") != "https://example.com/logo.png" || dig(r.Body, "data", "updateWorkspace", "defaultRole", "label") == nil {
		t.Fatalf("updateWorkspace: %d %s", r.Status, r.Raw)
	}
	me := c.gql(ada.Access, `{ currentUser { currentWorkspace { displayName logo } } }`, nil)
	if dig(me.Body, "data", "currentUser", "currentWorkspace", "displayName") != "Analytical Engines" {
		t.Fatalf("currentUser sees the name: %s", me.Raw)
	}
	// A setting this deployment does not have is refused and changes nothing.
	r = c.gql(ada.Access, update, map[string]any{"input": map[string]any{"displayName": "X", "subdomain": "engines"}})
	if r.Status != 400 || dig(r.Body, "data") != nil {
		t.Fatalf("unsupported setting: %d %s", r.Status, r.Raw)
	}
	// Members may not change the workspace.
	inv := c.gql(ada.Access, `mutation { sendInvitations(emails: ["bob@example.com"]) { result { personalInviteToken } } }`, nil)
	res, _ := dig(inv.Body, "data", "sendInvitations", "result").([]any)
	if len(res) != 1 {
		t.Fatalf("invite: %s", inv.Raw)
	}
	bob := c.signUpAndLogIn("bob@example.com", "bobs passphrase", dig(res[0], "personalInviteToken").(string))
	r = c.gql(bob.Access, update, map[string]any{"input": map[string]any{"displayName": "Bob's"}})
	if r.Status != 403 {
		t.Fatalf("member update: %d %s", r.Status, r.Raw)
	}
	me = c.gql(bob.Access, `{ currentUser { isWorkspaceCreator currentWorkspace { displayName workspaceMembersCount } currentUserWorkspace { permissionFlags } } }`, nil)
	if dig(me.Body, "data", "currentUser", "currentWorkspace", "displayName") != "Analytical Engines" ||
		dig(me.Body, "data", "currentUser", "isWorkspaceCreator") != false || dig(me.Body, "data", "currentUser", "currentWorkspace", "workspaceMembersCount") != float64(2) {
		t.Fatalf("bob's currentUser: %s", me.Raw)
	}
	if flags, _ := dig(me.Body, "data", "currentUser", "currentUserWorkspace", "permissionFlags").([]any); len(flags) != 0 {
		t.Fatalf("a member has no settings permissions: %s", me.Raw)
	}
}

func TestResendWorkspaceInvitation(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	inv := c.gql(ada.Access, `mutation { sendInvitations(emails: ["bob@example.com"]) { result { id personalInviteToken } } }`, nil)
	res, _ := dig(inv.Body, "data", "sendInvitations", "result").([]any)
	if len(res) != 1 {
		t.Fatalf("invite: %s", inv.Raw)
	}
	oldID, oldToken := dig(res[0], "id").(string), dig(res[0], "personalInviteToken").(string)
	resend := frontDoc(t, "workspace/ResendWorkspaceInvitation.graphql")
	r := c.gql(ada.Access, resend, map[string]any{"appTokenId": oldID})
	res2, _ := dig(r.Body, "data", "resendWorkspaceInvitation", "result").([]any)
	if r.Status != 200 || len(res2) != 1 || dig(res2[0], "email") != "bob@example.com" || dig(res2[0], "id") == oldID {
		t.Fatalf("resend: %d %s", r.Status, r.Raw)
	}
	list := c.gql(ada.Access, `{ findWorkspaceInvitations { id } }`, nil)
	if l, _ := dig(list.Body, "data", "findWorkspaceInvitations").([]any); len(l) != 1 || dig(l[0], "id") != dig(res2[0], "id") {
		t.Fatalf("invitations after resend: %s", list.Raw)
	}
	// The old invitation is gone.
	if r := c.gql(ada.Access, resend, map[string]any{"appTokenId": oldID}); r.Status != 404 {
		t.Fatalf("resend of a replaced invitation: %d %s", r.Status, r.Raw)
	}
	// The old token no longer joins.
	r = c.gql("", signUpQ, map[string]any{"email": "bob@example.com", "password": "bobs passphrase", "workspacePersonalInviteToken": oldToken})
	if r.Status == 200 {
		t.Fatalf("the replaced token joined: %s", r.Raw)
	}
}

func TestCheckUserExists(t *testing.T) {
	c := newClient(t, nil)
	q := frontDoc(t, "auth/CheckUserExists.graphql")
	r := c.gql("", q, map[string]any{"email": "nobody@example.com"})
	if r.Status != 200 || dig(r.Body, "data", "checkUserExists", "exists") != false || dig(r.Body, "data", "checkUserExists", "availableWorkspacesCount") != float64(0) {
		t.Fatalf("unknown: %d %s", r.Status, r.Raw)
	}
	c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	r = c.gql("", q, map[string]any{"email": "ADA@example.com"})
	if dig(r.Body, "data", "checkUserExists", "exists") != true || dig(r.Body, "data", "checkUserExists", "availableWorkspacesCount") != float64(1) {
		t.Fatalf("known: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", q, map[string]any{"email": "not an address"}); r.Status != 400 {
		t.Fatalf("bad address: %d %s", r.Status, r.Raw)
	}
	// Asking about an unknown address creates no account.
	if r := c.gql("", q, map[string]any{"email": "nobody@example.com"}); dig(r.Body, "data", "checkUserExists", "exists") != false {
		t.Fatalf("unknown again: %s", r.Raw)
	}
}

func TestPublicWorkspaceLookups(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	q := frontDoc(t, "auth/GetPublicWorkspaceDataByDomain.graphql")
	r := c.gql("", q, map[string]any{"origin": "https://" + ada.Workspace + ".crm.example.com"})
	if r.Status != 200 || dig(r.Body, "data", "getPublicWorkspaceDataByDomain", "id") != ada.Workspace ||
		dig(r.Body, "data", "getPublicWorkspaceDataByDomain", "authProviders", "password") != true ||
		dig(r.Body, "data", "getPublicWorkspaceDataByDomain", "authProviders", "google") != false {
		t.Fatalf("by domain: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", q, map[string]any{"origin": "https://crm.example.com"}); r.Status != 404 {
		t.Fatalf("no workspace in the origin: %d %s", r.Status, r.Raw)
	}
	r = c.gql("", frontDoc(t, "workspace/GetWorkspaceFromInviteHash.graphql"), map[string]any{"inviteHash": "abc"})
	if r.Status != 404 || dig(r.Body, "data") != nil {
		t.Fatalf("invite hash: %d %s", r.Status, r.Raw)
	}
}

func TestSignUpInNewWorkspace(t *testing.T) {
	c := newClient(t, nil)
	ada := c.signUpAndLogIn("ada@example.com", "correct horse battery", "")
	q := frontDoc(t, "auth/SignUpInNewWorkspace.graphql")
	r := c.gql(ada.Access, q, map[string]any{"input": map[string]any{}})
	ws, _ := dig(r.Body, "data", "signUpInNewWorkspace", "workspace", "id").(string)
	lt, _ := dig(r.Body, "data", "signUpInNewWorkspace", "loginToken", "token").(string)
	if r.Status != 200 || ws == "" || ws == ada.Workspace || lt == "" {
		t.Fatalf("signUpInNewWorkspace: %d %s", r.Status, r.Raw)
	}
	s := c.tokens(lt)
	me := c.gql(s.Access, `{ currentUser { email isWorkspaceCreator currentWorkspace { id } } }`, nil)
	if dig(me.Body, "data", "currentUser", "currentWorkspace", "id") != ws || dig(me.Body, "data", "currentUser", "isWorkspaceCreator") != true ||
		dig(me.Body, "data", "currentUser", "email") != "ada@example.com" {
		t.Fatalf("currentUser in the new workspace: %s", me.Raw)
	}
	// The first workspace is still hers.
	if me := c.gql(ada.Access, `{ currentUser { currentWorkspace { id } } }`, nil); dig(me.Body, "data", "currentUser", "currentWorkspace", "id") != ada.Workspace {
		t.Fatalf("first workspace: %s", me.Raw)
	}
	if r := c.gql("", q, map[string]any{"input": map[string]any{}}); r.Status != 401 {
		t.Fatalf("anonymous: %d %s", r.Status, r.Raw)
	}
}
