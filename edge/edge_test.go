package edge_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable/accounts"
	"edgecrm/edge"
	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/host/native"
)

// client drives a native host through the edge, as an HTTP client would.
type client struct {
	t  testing.TB
	h  *native.Host
	ip string
}

func newClient(t *testing.T, env map[string]string) *client {
	t.Helper()
	h := native.MustNew(t)
	all := map[string]string{"RATE_LIMITS_DISABLED": "true"}
	for k, v := range env {
		all[k] = v
	}
	if err := h.ConfigureAuth(all); err != nil {
		t.Fatal(err)
	}
	return &client{t: t, h: h, ip: "198.51.100.7"}
}

type resp struct {
	Status  int
	Headers map[string]string
	Body    map[string]any
	Raw     string
}

func (c *client) do(method, path, token, body string, headers ...string) resp {
	c.t.Helper()
	req := native.Request(method, path, body, "cf-connecting-ip", c.ip)
	if token != "" {
		req.Headers["authorization"] = "Bearer " + token
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Headers[headers[i]] = headers[i+1]
	}
	r, err := c.h.Edge(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if r == nil {
		c.t.Fatalf("%s %s: no response", method, path)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(r.Body), &m)
	return resp{Status: r.Status, Headers: r.Headers, Body: m, Raw: r.Body}
}

func (c *client) gql(token, query string, vars map[string]any) resp {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return c.do("POST", "/metadata", token, string(b))
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

const (
	signUpQ = `mutation SignUp($email: String!, $password: String!, $workspacePersonalInviteToken: String) {
  signUp(email: $email, password: $password, workspacePersonalInviteToken: $workspacePersonalInviteToken) {
    loginToken { token expiresAt __typename } workspace { id __typename } __typename } }`
	credentialsQ = `mutation GetLoginTokenFromCredentials($email: String!, $password: String!, $origin: String!) {
  getLoginTokenFromCredentials(email: $email, password: $password, origin: $origin) { loginToken { ...AuthTokenFragment } } }
fragment AuthTokenFragment on AuthToken { token expiresAt }`
	tokensQ = `mutation getAuthTokensFromLoginToken($loginToken: String!, $origin: String!) {
  getAuthTokensFromLoginToken(loginToken: $loginToken, origin: $origin) { tokens { ...AuthTokenPairFragment } } }
fragment AuthTokenFragment on AuthToken { token expiresAt }
fragment AuthTokenPairFragment on AuthTokenPair { accessOrWorkspaceAgnosticToken { ...AuthTokenFragment } refreshToken { ...AuthTokenFragment } }`
	renewQ   = `mutation RenewToken($appToken: String!) { renewToken(appToken: $appToken) { tokens { accessOrWorkspaceAgnosticToken { token expiresAt } refreshToken { token expiresAt } } } }`
	signOutQ = `mutation SignOut($refreshToken: String) { signOut(refreshToken: $refreshToken) }`
)

type session struct {
	Email, Workspace, Access, Refresh string
}

// signUpAndLogIn runs Twenty's whole flow: signUp, then the login token for
// tokens.
func (c *client) signUpAndLogIn(email, password string, invite string) session {
	c.t.Helper()
	vars := map[string]any{"email": email, "password": password}
	if invite != "" {
		vars["workspacePersonalInviteToken"] = invite
	}
	r := c.gql("", signUpQ, vars)
	if r.Status != 200 || dig(r.Body, "data", "signUp", "loginToken", "token") == nil {
		c.t.Fatalf("signUp: %d %s", r.Status, r.Raw)
	}
	if dig(r.Body, "data", "signUp", "__typename") != "SignUpOutput" || dig(r.Body, "data", "signUp", "loginToken", "__typename") != "AuthToken" {
		c.t.Fatalf("signUp typenames: %s", r.Raw)
	}
	ws := dig(r.Body, "data", "signUp", "workspace", "id").(string)
	s := c.tokens(dig(r.Body, "data", "signUp", "loginToken", "token").(string))
	s.Email, s.Workspace = email, ws
	return s
}

func (c *client) tokens(loginToken string) session {
	c.t.Helper()
	r := c.gql("", tokensQ, map[string]any{"loginToken": loginToken, "origin": "http://localhost"})
	access := dig(r.Body, "data", "getAuthTokensFromLoginToken", "tokens", "accessOrWorkspaceAgnosticToken", "token")
	refresh := dig(r.Body, "data", "getAuthTokensFromLoginToken", "tokens", "refreshToken", "token")
	if r.Status != 200 || access == nil || refresh == nil {
		c.t.Fatalf("getAuthTokensFromLoginToken: %d %s", r.Status, r.Raw)
	}
	return session{Access: access.(string), Refresh: refresh.(string)}
}

func (c *client) login(email, password string) resp {
	c.t.Helper()
	return c.gql("", credentialsQ, map[string]any{"email": email, "password": password, "origin": "http://localhost"})
}

func errCode(r resp) string {
	if errs, ok := r.Body["errors"].([]any); ok && len(errs) > 0 {
		s, _ := dig(errs[0], "extensions", "subCode").(string)
		return s
	}
	s, _ := r.Body["code"].(string)
	return s
}

func errMessage(r resp) string {
	if errs, ok := r.Body["errors"].([]any); ok && len(errs) > 0 {
		s, _ := dig(errs[0], "message").(string)
		return s
	}
	if msgs, ok := r.Body["messages"].([]any); ok && len(msgs) > 0 {
		return msgs[0].(string)
	}
	return ""
}

func TestSignUpLogInUseRenewSignOut(t *testing.T) {
	c := newClient(t, nil)
	s := c.signUpAndLogIn("Ada@Example.com", "correct horse battery", "")

	// The workspace exists with its standard objects and the user as an
	// admin workspaceMember record.
	r := c.do("GET", "/rest/workspaceMembers", s.Access, "")
	members, _ := dig(r.Body, "data", "workspaceMembers").([]any)
	if r.Status != 200 || len(members) != 1 || dig(members[0], "userEmail") != "ada@example.com" {
		t.Fatalf("workspace members: %d %s", r.Status, r.Raw)
	}
	if r := c.do("POST", "/rest/companies", s.Access, `{"name":"Acme"}`); r.Status != 201 {
		t.Fatalf("create with the access token: %d %s", r.Status, r.Raw)
	}
	roles := c.gql(s.Access, `query { getRoles { id label } }`, nil)
	if roles.Status != 200 || len(dig(roles.Body, "data", "getRoles").([]any)) != 2 {
		t.Fatalf("getRoles: %s", roles.Raw)
	}

	// Log in again (email case does not matter), exchange, use.
	r = c.login("ada@EXAMPLE.com", "correct horse battery")
	lt, _ := dig(r.Body, "data", "getLoginTokenFromCredentials", "loginToken", "token").(string)
	if r.Status != 200 || lt == "" {
		t.Fatalf("login: %d %s", r.Status, r.Raw)
	}
	s2 := c.tokens(lt)
	// A login token is good once.
	if r := c.gql("", tokensQ, map[string]any{"loginToken": lt, "origin": "x"}); r.Status != 401 {
		t.Fatalf("login token reused: %d %s", r.Status, r.Raw)
	}
	claims, err := auth.Current().Keys.Verify(s2.Access, auth.TokenAccess, time.Now())
	if err != nil || claims.WorkspaceID != s.Workspace || claims.FamilyID == "" || claims.Account == "" {
		t.Fatalf("access claims: %+v %v", claims, err)
	}
	if d := claims.ExpiresAt.Sub(claims.IssuedAt); d != 24*time.Hour {
		t.Fatalf("access token lifetime %v, want 24h", d)
	}

	// Renew: a new pair; the old refresh token a second time revokes the
	// family, so the new refresh token stops working too.
	r = c.gql("", renewQ, map[string]any{"appToken": s2.Refresh})
	newRefresh, _ := dig(r.Body, "data", "renewToken", "tokens", "refreshToken", "token").(string)
	newAccess, _ := dig(r.Body, "data", "renewToken", "tokens", "accessOrWorkspaceAgnosticToken", "token").(string)
	if r.Status != 200 || newRefresh == "" || newAccess == "" {
		t.Fatalf("renew: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies", newAccess, ""); r.Status != 200 {
		t.Fatalf("renewed access token: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", renewQ, map[string]any{"appToken": s2.Refresh}); r.Status != 401 {
		t.Fatalf("reused refresh token: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", renewQ, map[string]any{"appToken": newRefresh}); r.Status != 401 {
		t.Fatalf("refresh token of a revoked family: %d %s", r.Status, r.Raw)
	}
	// The reuse revoked the family's access tokens too (issue 9, defect 6),
	// even with KV down; the other session goes on.
	c.h.FailKV(true)
	for name, tok := range map[string]string{"before the renewal": s2.Access, "renewed": newAccess} {
		if r := c.do("GET", "/rest/companies", tok, ""); r.Status != 401 {
			t.Fatalf("access token of a reused family (%s): %d %s", name, r.Status, r.Raw)
		}
	}
	c.h.FailKV(false)
	for name, tok := range map[string]string{"before the renewal": s2.Access, "renewed": newAccess} {
		if r := c.do("GET", "/rest/companies", tok, ""); r.Status != 401 {
			t.Fatalf("access token of a reused family (%s), KV up: %d %s", name, r.Status, r.Raw)
		}
	}
	if r := c.do("GET", "/rest/companies", s.Access, ""); r.Status != 200 {
		t.Fatalf("another session after a reuse: %d %s", r.Status, r.Raw)
	}

	// Sign out with the first session's refresh token: its access token is
	// refused at once; the other session goes on.
	r = c.gql(s.Access, signOutQ, map[string]any{"refreshToken": s.Refresh})
	if r.Status != 200 || dig(r.Body, "data", "signOut") != true {
		t.Fatalf("signOut: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies", s.Access, ""); r.Status != 401 {
		t.Fatalf("signed-out access token: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", renewQ, map[string]any{"appToken": s.Refresh}); r.Status != 401 {
		t.Fatalf("signed-out refresh token: %d %s", r.Status, r.Raw)
	}
	// Even with KV gone the workspace object refuses it.
	c.h.FailKV(true)
	if r := c.do("GET", "/rest/companies", s.Access, ""); r.Status != 401 {
		t.Fatalf("signed-out token with KV down: %d %s", r.Status, r.Raw)
	}
	c.h.FailKV(false)

	// D1 has the lookups.
	rows, err := c.h.D1.Exec(`SELECT u.email, m.role FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.workspace_id = ?`, s.Workspace)
	if err != nil || len(rows.Values) != 1 || rows.Values[0][0] != "ada@example.com" || rows.Values[0][1] != "admin" {
		t.Fatalf("D1 projection: %v %v", rows, err)
	}
	// Two families revoked: the reused one and the signed-out one.
	if rows, _ := c.h.D1.Exec(`SELECT count(*) FROM revoked_sessions WHERE workspace_id = ?`, s.Workspace); rows.Int() != 2 {
		t.Fatalf("revoked_sessions: %v", rows.Values)
	}
}

func TestLoginFailuresLookTheSameAndAreThrottled(t *testing.T) {
	c := newClient(t, nil)
	c.signUpAndLogIn("bob@example.com", "bob's long password", "")
	wrong := c.login("bob@example.com", "not the password")
	unknown := c.login("nobody@example.com", "not the password")
	if wrong.Status != 401 || unknown.Status != 401 || errMessage(wrong) != errMessage(unknown) || errMessage(wrong) != "Invalid email or password." {
		t.Fatalf("wrong password %d %s / unknown email %d %s", wrong.Status, wrong.Raw, unknown.Status, unknown.Raw)
	}
	if strings.ReplaceAll(wrong.Raw, "bob", "") != strings.ReplaceAll(unknown.Raw, "nobody", "") {
		t.Fatalf("answers differ:\n%s\n%s", wrong.Raw, unknown.Raw)
	}
	// The unknown email's object stays empty: a login creates nothing.
	db, _ := c.h.AccountStorage(native.AccountObjectID(accounts.AccountObjectName("nobody@example.com")))
	if rows, err := db.Exec(`SELECT count(*) FROM sqlite_master`); err != nil || rows.Int() != 0 {
		t.Fatalf("a login for an unknown email wrote to its account object: %v %v", rows, err)
	}
	// Per account: after the free failures, the account waits (another IP).
	c.ip = "203.0.113.9"
	var last resp
	for i := 0; i < 6; i++ {
		last = c.login("bob@example.com", "guess")
	}
	if last.Status != 429 || last.Headers["retry-after"] == "" {
		t.Fatalf("account throttle: %d %v %s", last.Status, last.Headers, last.Raw)
	}
	// Per IP: guesses across accounts from one address.
	c.ip = "192.0.2.44"
	for i := 0; i < 7; i++ {
		last = c.login(fmt.Sprintf("u%d@example.com", i), "guess")
	}
	if last.Status != 429 {
		t.Fatalf("IP throttle: %d %s", last.Status, last.Raw)
	}
}

// An account's login throttle lives in its object's storage: a woken object
// (fresh Go memory: an evicted object may come back in a new isolate)
// still refuses the account until the wait is over, even the right
// password; a success then clears the record.
func TestAccountLoginThrottleSurvivesEviction(t *testing.T) {
	c := newClient(t, nil)
	c.signUpAndLogIn("dora@example.com", "dora's long password", "")
	base := time.Now().Truncate(time.Second)
	at := func(d time.Duration) {
		now := func() time.Time { return base.Add(d) }
		edge.Now, dispatch.Now = now, now
	}
	defer func() { edge.Now, dispatch.Now = time.Now, time.Now }()
	guess := func(n int) resp { // from a new address each time: only the account counts
		var last resp
		for i := 0; i < n; i++ {
			c.ip = fmt.Sprintf("203.0.113.%d", len(c.ip)+i)
			last = c.login("dora@example.com", "guess")
		}
		return last
	}
	at(0)
	if r := guess(6); r.Status != 401 { // 5 free failures; the 6th asks for 1 s
		t.Fatalf("6th failure: %d %s", r.Status, r.Raw)
	}
	at(time.Second)
	if r := guess(1); r.Status != 401 { // the 7th asks for 2 s more
		t.Fatalf("7th failure: %d %s", r.Status, r.Raw)
	}
	if err := c.h.Restart(); err != nil {
		t.Fatal(err)
	}
	at(2 * time.Second)
	c.ip = "192.0.2.99"
	if r := c.login("dora@example.com", "dora's long password"); r.Status != 429 || r.Headers["retry-after"] != "2" {
		t.Fatalf("after the restart, within the wait: %d %v %s", r.Status, r.Headers, r.Raw)
	}
	at(3 * time.Second)
	if r := c.login("dora@example.com", "dora's long password"); r.Status != 200 {
		t.Fatalf("after the wait: %d %s", r.Status, r.Raw)
	}
	if err := c.h.Restart(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ { // the success started the count over
		if r := guess(1); r.Status != 401 {
			t.Fatalf("failure %d after a success: %d %s", i+1, r.Status, r.Raw)
		}
	}
	if r := guess(1); r.Status != 429 {
		t.Fatalf("7th failure after a success: %d %s", r.Status, r.Raw)
	}
}

func TestExpiredAndForgedTokens(t *testing.T) {
	c := newClient(t, nil)
	s := c.signUpAndLogIn("carol@example.com", "carol's password", "")
	keys := auth.Current().Keys
	good, _ := keys.Verify(s.Access, auth.TokenAccess, time.Now())
	expired, err := keys.Issue(auth.Claims{Type: auth.TokenAccess, UserID: good.UserID, WorkspaceID: good.WorkspaceID,
		WorkspaceMemberID: good.WorkspaceMemberID, FamilyID: good.FamilyID, Account: good.Account}, time.Hour, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := c.do("GET", "/rest/companies", expired.Token, "")
	if r.Status != 401 || r.Body["error"] != "UNAUTHENTICATED" || errMessage(r) != "Token has expired." || r.Body["code"] != "token_expired" {
		t.Fatalf("expired REST: %d %s", r.Status, r.Raw)
	}
	r = c.do("POST", "/graphql", expired.Token, `{"query":"{ companies { edges { node { id } } } }"}`)
	errs, _ := r.Body["errors"].([]any)
	if r.Status != 401 || len(errs) != 1 || dig(errs[0], "message") != "Token has expired." || dig(errs[0], "extensions", "code") != "UNAUTHENTICATED" {
		t.Fatalf("expired GraphQL: %d %s", r.Status, r.Raw)
	}
	for name, tok := range forgeries(t, s.Access) {
		r := c.do("GET", "/rest/companies", tok, "")
		if r.Status != 401 || r.Body["code"] != "unauthenticated" {
			t.Errorf("%s: %d %s", name, r.Status, r.Raw)
		}
	}
	if r := c.do("GET", "/rest/companies", "", ""); r.Status != 401 {
		t.Fatalf("no token: %d", r.Status)
	}
}

func TestCrossWorkspaceIsolation(t *testing.T) {
	c := newClient(t, nil)
	a := c.signUpAndLogIn("a@example.com", "password a", "")
	b := c.signUpAndLogIn("b@example.com", "password b", "")
	r := c.do("POST", "/rest/companies", a.Access, `{"name":"A's secret"}`)
	id := dig(r.Body, "data", "createCompany", "id").(string)
	// B asks for A's record by id, patches and deletes it: B's workspace
	// has no such record, A's is untouched.
	if r := c.do("GET", "/rest/companies/"+id, b.Access, ""); r.Status != 404 {
		t.Fatalf("B read A's record: %d %s", r.Status, r.Raw)
	}
	if r := c.do("PATCH", "/rest/companies/"+id, b.Access, `{"name":"pwned"}`); r.Status != 404 {
		t.Fatalf("B patched A's record: %d %s", r.Status, r.Raw)
	}
	if r := c.do("DELETE", "/rest/companies/"+id, b.Access, ""); r.Status != 404 {
		t.Fatalf("B deleted A's record: %d %s", r.Status, r.Raw)
	}
	// Client-sent internal headers change nothing.
	r = c.do("GET", "/rest/companies/"+id, b.Access, "", "x-edgecrm-workspace", a.Workspace,
		"x-edgecrm-principal", auth.Principal{Kind: auth.KindAdmin}.Header())
	if r.Status != 404 {
		t.Fatalf("B with forged internal headers: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies/"+id, a.Access, ""); r.Status != 200 || dig(r.Body, "data", "company", "name") != "A's secret" {
		t.Fatalf("A's record: %d %s", r.Status, r.Raw)
	}
	// The workspace object refuses a principal that is not its member even
	// if it were routed there.
	claimsB, _ := auth.Current().Keys.Verify(b.Access, auth.TokenAccess, time.Now())
	resp, err := c.h.Fetch(a.Workspace, host.Request{Method: "GET", Path: "/rest/companies", Headers: map[string]string{
		auth.PrincipalHeader: auth.PrincipalFromClaims(claimsB).Header()}})
	if err != nil || resp.Status != 401 {
		t.Fatalf("B's principal in A's object: %v %v", resp, err)
	}
}

func TestAPIKeysInvitationsAndRoles(t *testing.T) {
	c := newClient(t, nil)
	admin := c.signUpAndLogIn("admin@example.com", "admin password", "")

	r := c.gql(admin.Access, `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id name expiresAt revokedAt __typename } }`,
		map[string]any{"input": map[string]any{"name": "CI", "expiresAt": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}})
	keyID, _ := dig(r.Body, "data", "createApiKey", "id").(string)
	if r.Status != 200 || keyID == "" || dig(r.Body, "data", "createApiKey", "__typename") != "ApiKey" {
		t.Fatalf("createApiKey: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `mutation GenerateApiKeyToken($apiKeyId: UUID!, $expiresAt: String!) { generateApiKeyToken(apiKeyId: $apiKeyId, expiresAt: $expiresAt) { token } }`,
		map[string]any{"apiKeyId": keyID, "expiresAt": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)})
	apiToken, _ := dig(r.Body, "data", "generateApiKeyToken", "token").(string)
	if r.Status != 200 || apiToken == "" {
		t.Fatalf("generateApiKeyToken: %d %s", r.Status, r.Raw)
	}
	if r := c.do("POST", "/rest/people", apiToken, `{"name":{"firstName":"Via","lastName":"Key"}}`); r.Status != 201 {
		t.Fatalf("API key token: %d %s", r.Status, r.Raw)
	}
	if r := c.gql(apiToken, `mutation { createApiKey(input: {name: "escalate"}) { id } }`, nil); r.Status != 403 {
		t.Fatalf("API key managing keys: %d %s", r.Status, r.Raw)
	}

	// Invite a member; they sign up with the invitation and land in the
	// admin's workspace as a member.
	r = c.gql(admin.Access, `mutation SendInvitations($emails: [String!]!) { sendInvitations(emails: $emails) { success errors result { ... on WorkspaceInvitation { id email roleId expiresAt personalInviteToken } } } }`,
		map[string]any{"emails": []any{"member@example.com"}})
	results, _ := dig(r.Body, "data", "sendInvitations", "result").([]any)
	if r.Status != 200 || len(results) != 1 {
		t.Fatalf("sendInvitations: %d %s", r.Status, r.Raw)
	}
	invite := dig(results[0], "personalInviteToken").(string)
	if r := c.gql(admin.Access, `query { findWorkspaceInvitations { id email } }`, nil); len(dig(r.Body, "data", "findWorkspaceInvitations").([]any)) != 1 {
		t.Fatalf("findWorkspaceInvitations: %s", r.Raw)
	}
	// Someone else cannot use it.
	if r := c.gql("", signUpQ, map[string]any{"email": "intruder@example.com", "password": "intruder pw", "workspacePersonalInviteToken": invite}); r.Status != 403 {
		t.Fatalf("invitation used by another email: %d %s", r.Status, r.Raw)
	}
	m := c.signUpAndLogIn("member@example.com", "member password", invite)
	if m.Workspace != admin.Workspace {
		t.Fatalf("invited member's workspace %s, want %s", m.Workspace, admin.Workspace)
	}
	if r := c.do("GET", "/rest/companies", m.Access, ""); r.Status != 200 {
		t.Fatalf("member reads: %d %s", r.Status, r.Raw)
	}
	if r := c.gql(m.Access, `mutation { sendInvitations(emails: ["x@example.com"]) { success } }`, nil); r.Status != 403 {
		t.Fatalf("member invites: %d %s", r.Status, r.Raw)
	}
	memberID := mustClaims(t, m.Access).WorkspaceMemberID
	adminMember := mustClaims(t, admin.Access).WorkspaceMemberID
	if r := c.gql(admin.Access, `mutation($id: UUID!, $role: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $id, roleId: $role) { id roles { label } } }`,
		map[string]any{"id": adminMember, "role": domain.RoleID(domain.RoleMember)}); r.Status != 400 {
		t.Fatalf("demoting the last admin: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `mutation($id: UUID!, $role: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $id, roleId: $role) { id roles { label } } }`,
		map[string]any{"id": memberID, "role": domain.RoleID(domain.RoleAdmin)})
	if r.Status != 200 || dig(r.Body, "data", "updateWorkspaceMemberRole", "roles").([]any)[0].(map[string]any)["label"] != "Admin" {
		t.Fatalf("promote: %d %s", r.Status, r.Raw)
	}
	if r := c.gql(m.Access, `query { apiKeys { id name } }`, nil); r.Status != 200 {
		t.Fatalf("promoted member lists keys: %d %s", r.Status, r.Raw)
	}
	// Removal: the member's token stops working at once.
	if r := c.gql(admin.Access, `mutation($id: String!) { deleteUserFromWorkspace(workspaceMemberIdToDelete: $id) { id } }`, map[string]any{"id": memberID}); r.Status != 200 {
		t.Fatalf("deleteUserFromWorkspace: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies", m.Access, ""); r.Status != 401 {
		t.Fatalf("removed member: %d %s", r.Status, r.Raw)
	}
	// Revoking the API key refuses its token.
	if r := c.gql(admin.Access, `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { id revokedAt } }`, map[string]any{"input": map[string]any{"id": keyID}}); r.Status != 200 {
		t.Fatalf("revokeApiKey: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/people", apiToken, ""); r.Status != 401 {
		t.Fatalf("revoked API key: %d %s", r.Status, r.Raw)
	}
}

func TestRateLimits(t *testing.T) {
	c := newClient(t, map[string]string{"RATE_LIMITS_DISABLED": "false", "RATE_LIMIT_WORKSPACE": "5", "RATE_LIMIT_IP": "8", "RATE_LIMIT_PERIOD_SECONDS": "10"})
	defer c.h.ConfigureAuth(map[string]string{"RATE_LIMITS_DISABLED": "true"})
	base := time.Now().Truncate(10 * time.Second)
	edge.Now = func() time.Time { return base }
	defer func() { edge.Now = time.Now }()
	s := c.signUpAndLogIn("rl@example.com", "rate limited", "") // 2 unauthenticated requests
	var last resp
	n := 0
	for ; n < 10; n++ {
		if last = c.do("GET", "/rest/companies", s.Access, ""); last.Status != 200 {
			break
		}
	}
	if n != 5 || last.Status != 429 || last.Headers["retry-after"] != "10" {
		t.Fatalf("workspace limit: %d requests then %d %v %s", n, last.Status, last.Headers, last.Raw)
	}
	for n = 2; n < 20; n++ {
		if last = c.do("GET", "/rest/companies", "", ""); last.Status == 429 {
			break
		}
	}
	if n != 8 {
		t.Fatalf("IP limit after %d unauthenticated requests: %d %s", n, last.Status, last.Raw)
	}
	edge.Now = func() time.Time { return base.Add(10 * time.Second) }
	if r := c.do("GET", "/rest/companies", s.Access, ""); r.Status != 200 {
		t.Fatalf("after the window: %d %s", r.Status, r.Raw)
	}
}

func TestKVOutageServesAuthenticatedRequests(t *testing.T) {
	c := newClient(t, nil)
	s := c.signUpAndLogIn("kv@example.com", "kv outage", "")
	c.h.FailKV(true)
	defer c.h.FailKV(false)
	for i := 0; i < 3; i++ {
		if r := c.do("POST", "/rest/companies", s.Access, `{"name":"still here"}`); r.Status != 201 {
			t.Fatalf("with KV down: %d %s", r.Status, r.Raw)
		}
	}
	r := c.login("kv@example.com", "kv outage")
	if r.Status != 200 {
		t.Fatalf("login with KV down: %d %s", r.Status, r.Raw)
	}
}

func TestJWKSAndAdmin(t *testing.T) {
	c := newClient(t, nil)
	r := c.do("GET", "/.well-known/jwks.json", "", "")
	keys, _ := r.Body["keys"].([]any)
	if r.Status != 200 || len(keys) != 1 || dig(keys[0], "kid") != auth.Current().Keys.SigningKeyID() || dig(keys[0], "alg") != "RS256" {
		t.Fatalf("jwks: %d %s", r.Status, r.Raw)
	}
	s := c.signUpAndLogIn("ops@example.com", "ops password", "")
	if r := c.do("GET", "/admin/workspaces/"+s.Workspace+"/state", s.Access, ""); r.Status != 401 {
		t.Fatalf("admin with a user token: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/admin/workspaces/"+s.Workspace+"/state", native.AdminToken, ""); r.Status != 200 {
		t.Fatalf("admin: %d %s", r.Status, r.Raw)
	}
}

func TestMixedAuthDocumentIsRefused(t *testing.T) {
	c := newClient(t, nil)
	r := c.gql("", `mutation { signUp(email: "m@example.com", password: "12345678") { loginToken { token } } renewToken(appToken: "x") { tokens { refreshToken { token } } } }`, nil)
	if r.Status != 400 {
		t.Fatalf("two auth fields: %d %s", r.Status, r.Raw)
	}
}

func mustClaims(t *testing.T, token string) auth.Claims {
	t.Helper()
	c, err := auth.Current().Keys.Verify(token, auth.TokenAccess, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSocketUpgradeRouting(t *testing.T) {
	c := newClient(t, nil)
	s := c.signUpAndLogIn("sock@example.com", "socket password", "")
	// Without a token, the URL must name the workspace.
	if r := c.do("GET", "/graphql", "", "", "upgrade", "websocket"); r.Status != 401 {
		t.Fatalf("upgrade naming nothing: %d %s", r.Status, r.Raw)
	}
	// Natively there is no socket: the object answers the upgrade as a
	// plain GET, which shows the edge forwarded it (with no principal).
	r := c.do("GET", "/graphql?workspaceId="+s.Workspace, "", "", "upgrade", "websocket")
	if r.Status == 401 && errMessage(r) == "Missing authentication token: send it in connection_init and name the workspace with ?workspaceId=" {
		t.Fatalf("upgrade naming its workspace was refused at the edge: %s", r.Raw)
	}
}

func TestAccessReplayRebuildsTheSameTables(t *testing.T) {
	c := newClient(t, nil)
	s := c.signUpAndLogIn("replay@example.com", "replay password", "")
	c.gql(s.Access, `mutation { createApiKey(input: {name: "k"}) { id } }`, nil)
	c.gql(s.Access, `mutation { sendInvitations(emails: ["x@example.com"]) { success } }`, nil)
	if r := c.gql(s.Access, `mutation { updateWorkspace(data: {displayName: "Replayed"}) { displayName } }`, nil); r.Status != 200 {
		t.Fatalf("updateWorkspace: %d %s", r.Status, r.Raw)
	}
	dump := func() string {
		db, _ := c.h.Object(s.Workspace)
		out := ""
		for _, tbl := range []string{"_auth_workspace", "_auth_members", "_auth_invitations", "_auth_api_keys", "_auth_revoked"} {
			rows, err := db.Exec("SELECT * FROM " + tbl + " ORDER BY 1")
			if err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprint(tbl, rows.Values)
		}
		d1, _ := c.h.D1.Exec(`SELECT * FROM memberships WHERE workspace_id = ?`, s.Workspace)
		keys, _ := c.h.D1.Exec(`SELECT id, name FROM api_keys WHERE workspace_id = ?`, s.Workspace)
		return out + fmt.Sprint(d1.Values, keys.Values)
	}
	before := dump()
	if r := c.do("POST", "/admin/workspaces/"+s.Workspace+"/access/replay", native.AdminToken, ""); r.Status != 200 {
		t.Fatalf("access replay: %d %s", r.Status, r.Raw)
	}
	if after := dump(); after != before {
		t.Fatalf("replay changed the access tables:\n%s\n%s", before, after)
	}
	if r := c.do("GET", "/rest/companies", s.Access, ""); r.Status != 200 {
		t.Fatalf("after replay: %d %s", r.Status, r.Raw)
	}
}

func TestAuthOperationShapes(t *testing.T) {
	c := newClient(t, nil)
	// Aliases, inline fragments, __typename, variables with defaults, and
	// the same operation on /graphql.
	b, _ := json.Marshal(map[string]any{
		"query": `mutation M($email: String!, $password: String = "default password 1") {
  created: signUp(email: $email, password: $password) { ... on SignUpOutput { t: loginToken { token } } workspace { __typename id } } }`,
		"variables":     map[string]any{"email": "shapes@example.com"},
		"operationName": "M",
	})
	r := c.do("POST", "/graphql", "", string(b))
	if r.Status != 200 || dig(r.Body, "data", "created", "t", "token") == nil || dig(r.Body, "data", "created", "workspace", "__typename") != "WorkspaceUrlsAndId" {
		t.Fatalf("shaped signUp: %d %s", r.Status, r.Raw)
	}
	if !strings.HasPrefix(r.Raw, `{"data":{"created":{"t":`) {
		t.Fatalf("fields out of selection order: %s", r.Raw)
	}
	// The default password works.
	if r := c.login("shapes@example.com", "default password 1"); r.Status != 200 {
		t.Fatalf("login with the default: %d %s", r.Status, r.Raw)
	}
	// A document that is not an auth operation goes to the workspace (and
	// needs a token there).
	if r := c.do("POST", "/graphql", "", `{"query":"{ companies { edges { node { id } } } }"}`); r.Status != 401 {
		t.Fatalf("workspace query without a token: %d %s", r.Status, r.Raw)
	}
	// Bad input is a GraphQL error with the field's path.
	r = c.gql("", signUpQ, map[string]any{"email": "not an email", "password": "whatever1"})
	errs, _ := r.Body["errors"].([]any)
	if r.Status != 400 || len(errs) != 1 || fmt.Sprint(dig(errs[0], "path")) != "[signUp]" || dig(errs[0], "extensions", "code") != "BAD_USER_INPUT" {
		t.Fatalf("bad email: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", signUpQ, map[string]any{"email": "short@example.com", "password": "short"}); r.Status != 400 {
		t.Fatalf("short password: %d %s", r.Status, r.Raw)
	}
	if r := c.gql("", signUpQ, map[string]any{"email": "shapes@example.com", "password": "another password"}); r.Status != 409 {
		t.Fatalf("second sign-up of an email: %d %s", r.Status, r.Raw)
	}
}

// The core's log lines over a whole flow carry no password, token or key.
func TestNoSecretsInCoreLogs(t *testing.T) {
	c := newClient(t, nil)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	captured := make(chan string)
	go func() { b, _ := io.ReadAll(r); captured <- string(b) }()
	password := "Unmistakable-Password-55213"
	s := c.signUpAndLogIn("logs@example.com", password, "")
	c.login("logs@example.com", password+"x")
	lt := c.login("logs@example.com", password)
	tok := dig(lt.Body, "data", "getLoginTokenFromCredentials", "loginToken", "token").(string)
	s2 := c.tokens(tok)
	c.do("GET", "/rest/companies", s2.Access, "")
	c.gql("", renewQ, map[string]any{"appToken": s2.Refresh})
	c.gql(s.Access, signOutQ, map[string]any{"refreshToken": s.Refresh})
	os.Stdout = stdout
	w.Close()
	logs := <-captured
	if !strings.Contains(logs, "getLoginTokenFromCredentials") {
		t.Fatal("no log lines captured")
	}
	secrets := []string{password, s.Access, s.Refresh, tok, s2.Access, s2.Refresh, native.AdminToken}
	for _, line := range strings.Split(string(native.TestKeyPEM()), "\n") {
		if len(line) > 40 {
			secrets = append(secrets, line)
		}
	}
	for i, sec := range secrets {
		if strings.Contains(logs, sec) {
			t.Errorf("secret %d appears in the core's logs", i)
		}
	}
}
