package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"edgecrm/api/client"
	"edgecrm/auth"
	"edgecrm/auth/authtest"
	"edgecrm/tests/harness"
)

// ---- workspaces by alias: a user per alias, signed up on first use ----

var (
	sessionsMu sync.Mutex
	sessions   = map[string]*client.Session{}
)

// sessionFor returns the session of the user who owns the workspace
// aliased ws on the server at base: alias@e2e.test signs up (or, after a
// restart, logs in) on first use.
func sessionFor(t *testing.T, base, ws string) *client.Session {
	t.Helper()
	sessionsMu.Lock()
	defer sessionsMu.Unlock()
	if s, ok := sessions[base+"\x00"+ws]; ok {
		return s
	}
	s, err := client.New(base).SignUpOrLogin(ws+"@e2e.test", "e2e password of "+ws)
	if err != nil {
		t.Fatalf("session for workspace alias %q: %v", ws, err)
	}
	sessions[base+"\x00"+ws] = s
	return s
}

// workspaceID is the id of the workspace aliased ws (a workspace id passes
// through).
func workspaceID(t *testing.T, base, ws string) string {
	t.Helper()
	if len(ws) == 36 && strings.Count(ws, "-") == 4 {
		return ws
	}
	return sessionFor(t, base, ws).Workspace
}

// harnessKeys is a key ring with the server's key: tests make tokens the
// server must judge.
func harnessKeys(t *testing.T) *auth.Keys {
	t.Helper()
	pemKey, err := harness.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := auth.NewKeys(auth.DefaultIssuer, auth.DefaultAudience)
	if _, err := k.AddSigningKeyPEM("", pemKey); err != nil {
		t.Fatal(err)
	}
	return k
}

var rawClient = &http.Client{Timeout: 30 * time.Second}

func raw(t *testing.T, base, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("content-type", "application/json")
	if token != "" {
		req.Header.Set("authorization", "Bearer "+token)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, resp.Header, m
}

// ---- the whole session lifecycle on workerd ----

func TestAuthSessionLifecycle(t *testing.T) {
	c := client.New(srv.URL)
	email, password := "lifecycle@e2e.test", "a long and unusual passphrase 7731"
	s, err := c.SignUp(email, password, "")
	if err != nil {
		t.Fatal(err)
	}
	// REST and GraphQL with the Bearer token.
	if status, _, m := raw(t, srv.URL, "POST", "/rest/companies", s.AccessToken, `{"name":"Lifecycle Inc"}`); status != 201 {
		t.Fatalf("REST create: %d %v", status, m)
	}
	if status, _, m := raw(t, srv.URL, "GET", "/rest/workspaceMembers", s.AccessToken, ""); status != 200 ||
		fmt.Sprint(m["data"]) == "" || !strings.Contains(fmt.Sprint(m), email) {
		t.Fatalf("workspace members: %d %v", status, m)
	}
	if status, _, m := raw(t, srv.URL, "POST", "/graphql", s.AccessToken, `{"query":"{ companies { edges { node { id name } } } }"}`); status != 200 && status != 501 {
		t.Fatalf("GraphQL with the token: %d %v", status, m)
	}
	// Log in again, renew, sign out.
	s2, err := c.Login(email, password)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Workspace != s.Workspace {
		t.Fatalf("login workspace %s, want %s", s2.Workspace, s.Workspace)
	}
	s3, err := c.Renew(s2)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, m := raw(t, srv.URL, "GET", "/rest/companies", s3.AccessToken, ""); status != 200 {
		t.Fatalf("renewed token: %d %v", status, m)
	}
	if _, err := c.Renew(s2); err == nil {
		t.Fatal("a rotated refresh token was accepted again")
	}
	if _, err := c.Renew(s3); err == nil {
		t.Fatal("the family of a reused refresh token was not revoked")
	}
	// The reuse revoked the family's access tokens too.
	if status, _, m := raw(t, srv.URL, "GET", "/rest/companies", s3.AccessToken, ""); status != 401 {
		t.Fatalf("access token of a reused family: %d %v", status, m)
	}
	if s3, err = c.Login(email, password); err != nil {
		t.Fatal(err)
	}
	if err := c.SignOut(s); err != nil {
		t.Fatal(err)
	}
	if status, _, m := raw(t, srv.URL, "GET", "/rest/companies", s.AccessToken, ""); status != 401 {
		t.Fatalf("signed-out token: %d %v", status, m)
	}
	if _, err := c.Renew(s); err == nil {
		t.Fatal("signed-out refresh token renewed")
	}

	// An expired token: 401 token_expired in both shapes.
	keys := harnessKeys(t)
	claims, err := keys.Verify(s3.AccessToken, auth.TokenAccess, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	claims.TokenID, claims.IssuedAt, claims.ExpiresAt, claims.Issuer, claims.Audience = "", time.Time{}, time.Time{}, "", ""
	old, err := keys.Issue(claims, time.Hour, time.Now().Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	status, _, m := raw(t, srv.URL, "GET", "/rest/companies", old.Token, "")
	if status != 401 || m["error"] != "UNAUTHENTICATED" || fmt.Sprint(m["messages"]) != "[Token has expired.]" || m["code"] != "token_expired" {
		t.Fatalf("expired token on REST: %d %v", status, m)
	}
	status, _, m = raw(t, srv.URL, "POST", "/graphql", old.Token, `{"query":"{ companies { edges { node { id } } } }"}`)
	errs, _ := m["errors"].([]any)
	if status != 401 || len(errs) == 0 || errs[0].(map[string]any)["message"] != "Token has expired." ||
		errs[0].(map[string]any)["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
		t.Fatalf("expired token on GraphQL: %d %v", status, m)
	}

	// JWKS publishes the key the server signs with.
	status, _, m = raw(t, srv.URL, "GET", "/.well-known/jwks.json", "", "")
	if status != 200 || !strings.Contains(fmt.Sprint(m["keys"]), keys.SigningKeyID()) {
		t.Fatalf("jwks: %d %v", status, m)
	}

	// API keys: a workspace-scoped token that works like an access token.
	var created struct {
		CreateAPIKey struct{ ID string } `json:"createApiKey"`
	}
	if err := c.GraphQL("/metadata", s3.AccessToken, `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"name": "e2e"}}, &created); err != nil {
		t.Fatal(err)
	}
	var tok struct {
		GenerateAPIKeyToken struct{ Token string } `json:"generateApiKeyToken"`
	}
	if err := c.GraphQL("/graphql", s3.AccessToken, `mutation($id: UUID!, $exp: String!) { generateApiKeyToken(apiKeyId: $id, expiresAt: $exp) { token } }`,
		map[string]any{"id": created.CreateAPIKey.ID, "exp": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, &tok); err != nil {
		t.Fatal(err)
	}
	if status, _, m := raw(t, srv.URL, "GET", "/rest/companies", tok.GenerateAPIKeyToken.Token, ""); status != 200 {
		t.Fatalf("API key token: %d %v", status, m)
	}
}

// ---- isolation: ids taken from another workspace ----

func TestCrossWorkspaceRequestsRefused(t *testing.T) {
	a, b := sessionFor(t, srv.URL, "isolation-a"), sessionFor(t, srv.URL, "isolation-b")
	status, _, m := raw(t, srv.URL, "POST", "/rest/companies", a.AccessToken, `{"name":"A only"}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, m)
	}
	id := m["data"].(map[string]any)["createCompany"].(map[string]any)["id"].(string)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/rest/companies/" + id, ""},
		{"PATCH", "/rest/companies/" + id, `{"name":"from B"}`},
		{"DELETE", "/rest/companies/" + id, ""},
		{"DELETE", "/rest/companies/" + id + "?soft_delete=false", ""},
	} {
		if status, _, m := raw(t, srv.URL, c.method, c.path, b.AccessToken, c.body); status != 404 {
			t.Errorf("B %s %s: %d %v", c.method, c.path, status, m)
		}
	}
	// Forged internal headers are dropped by the Worker.
	req, _ := http.NewRequest("GET", srv.URL+"/rest/companies/"+id, nil)
	req.Header.Set("authorization", "Bearer "+b.AccessToken)
	req.Header.Set("x-edgecrm-workspace", a.Workspace)
	req.Header.Set("x-edgecrm-principal", `{"kind":"admin"}`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("B with forged internal headers: %d", resp.StatusCode)
	}
	// GraphQL by id from B sees nothing of A.
	status, _, m = raw(t, srv.URL, "POST", "/graphql", b.AccessToken, fmt.Sprintf(`{"query":"{ company(filter: {id: {eq: \"%s\"}}) { id name } }"}`, id))
	if strings.Contains(fmt.Sprint(m), "A only") {
		t.Fatalf("B read A's record through GraphQL: %d %v", status, m)
	}
	status, _, m = raw(t, srv.URL, "GET", "/rest/companies/"+id, a.AccessToken, "")
	if status != 200 || m["data"].(map[string]any)["company"].(map[string]any)["name"] != "A only" {
		t.Fatalf("A's record after B's attempts: %d %v", status, m)
	}
}

// ---- forged and refused tokens on the real runtime ----

func TestForgedTokensRefused(t *testing.T) {
	s := sessionFor(t, srv.URL, "forgery")
	key, err := harness.Key()
	if err != nil {
		t.Fatal(err)
	}
	otherPEM, _ := auth.GenerateKeyPEM(2048)
	other, _ := auth.ParsePrivateKeyPEM(otherPEM)
	forged, err := authtest.Forgeries(s.AccessToken, &key.PublicKey, other)
	if err != nil {
		t.Fatal(err)
	}
	for name, changes := range map[string]map[string]any{
		"wrong audience": {"aud": []string{"another-api"}},
		"wrong issuer":   {"iss": "https://evil.example"},
		"refresh type":   {"type": "REFRESH"},
	} {
		if forged[name], err = authtest.SignedWith(s.AccessToken, key, changes); err != nil {
			t.Fatal(err)
		}
	}
	for name, tok := range forged {
		status, _, m := raw(t, srv.URL, "GET", "/rest/companies", tok, "")
		if status != 401 || m["code"] != "unauthenticated" {
			t.Errorf("%s: %d %v", name, status, m)
		}
	}
	// A refresh token is not an access token, and a revoked one renews nothing.
	if status, _, _ := raw(t, srv.URL, "GET", "/rest/companies", s.RefreshToken, ""); status != 401 {
		t.Errorf("refresh token as bearer: %d", status)
	}
}

// ---- no secret in the logs over a whole login flow ----

func TestSecretsNeverLogged(t *testing.T) {
	c := client.New(srv.URL)
	password := "Zebra-Quartz-Password-91827"
	s, err := c.SignUp("logcheck@e2e.test", password, "")
	if err != nil {
		t.Fatal(err)
	}
	lt, err := c.LoginToken("logcheck@e2e.test", password)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.Exchange(lt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoginToken("logcheck@e2e.test", password+"-wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	raw(t, srv.URL, "GET", "/rest/companies", s2.AccessToken, "")
	s3, err := c.Renew(s2)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SignOut(s3); err != nil {
		t.Fatal(err)
	}
	raw(t, srv.URL, "GET", "/rest/companies", s3.AccessToken, "")
	// A last request whose line shows that every line before it reached the pipe.
	raw(t, srv.URL, "GET", "/rest/logcheck-end", "", "")
	if err := harness.Eventually(10*time.Second, func() error {
		if !srv.Contains("/rest/logcheck-end") {
			return fmt.Errorf("the last request's line is not in the logs")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	logs := srv.Logs()
	if !strings.Contains(logs, "getLoginTokenFromCredentials") {
		t.Fatal("the logs do not show the flow at all: is the capture working?")
	}
	keyPEM, _ := harness.KeyPEM()
	secrets := map[string]string{"password": password, "admin token": harness.AdminToken}
	for i, tok := range []string{s.AccessToken, s.RefreshToken, lt, s2.AccessToken, s2.RefreshToken, s3.AccessToken, s3.RefreshToken} {
		secrets[fmt.Sprintf("token %d", i)] = tok
		secrets[fmt.Sprintf("token %d signature", i)] = tok[strings.LastIndexByte(tok, '.')+1:]
	}
	for i, line := range strings.Split(string(keyPEM), "\n") {
		if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
			secrets[fmt.Sprintf("private key line %d", i)] = line
		}
	}
	for name, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s appears in wrangler's logs", name)
		}
	}
}

// ---- rate limits and KV outage: instances of their own ----

// extraServer is a wrangler dev with its own vars, started by TestMain in
// the background so that its start overlaps the other tests.
type extraServer struct {
	vars []string
	done chan struct{}
	w    *harness.Wrangler
	err  error
}

var extraServers = map[string]*extraServer{
	"ratelimits": {vars: []string{"RATE_LIMIT_WORKSPACE:5", "RATE_LIMIT_IP:12", "RATE_LIMIT_PERIOD_SECONDS:10"}},
	"kvdown":     {vars: []string{"TEST_KV_FAIL:true"}},
}

func startExtraServers(dir string) {
	for name, x := range extraServers {
		x.done = make(chan struct{})
		go func(name string, x *extraServer) {
			defer close(x.done)
			persist := filepath.Join(dir, name)
			if x.err = harness.MigrateD1(persist); x.err == nil {
				x.w, x.err = harness.Start(persist, x.vars...)
			}
		}(name, x)
	}
}

func stopExtraServers() {
	for _, x := range extraServers {
		if x.done != nil {
			<-x.done
			if x.w != nil {
				x.w.Stop()
				x.w = nil
			}
		}
	}
}

func extra(t *testing.T, name string) *harness.Wrangler {
	t.Helper()
	x := extraServers[name]
	<-x.done
	if x.err != nil {
		t.Fatalf("starting the %s instance: %v", name, x.err)
	}
	return x.w
}

func TestRateLimitsEndToEnd(t *testing.T) {
	t.Parallel()
	w := extra(t, "ratelimits")
	c := client.New(w.URL)
	s, err := c.SignUp("limited@e2e.test", "rate limited password", "") // 2 unauthenticated requests
	if err != nil {
		t.Fatal(err)
	}
	hit := func(token string) (int, int) {
		for i := 1; i <= 40; i++ {
			status, h, m := raw(t, w.URL, "GET", "/rest/companies", token, "")
			if status == 429 {
				ra, _ := strconv.Atoi(h.Get("Retry-After"))
				if ra < 1 || ra > 10 || m["code"] != "rate_limited" {
					t.Fatalf("429 without a good Retry-After: %q %v", h.Get("Retry-After"), m)
				}
				return i - 1, ra
			}
			if status != 200 && status != 401 {
				t.Fatalf("request %d: %d %v", i, status, m)
			}
		}
		t.Fatal("never rate limited")
		return 0, 0
	}
	// Per workspace: 5 per window (a window that rolls over on the way
	// allows up to 10); per IP, unauthenticated: 12.
	ok, wait1 := hit(s.AccessToken)
	if ok < 5 || ok > 10 {
		t.Fatalf("%d authenticated requests passed before 429, want 5 (10 across a window edge)", ok)
	}
	ok, wait2 := hit("")
	if ok < 1 || ok > 24 {
		t.Fatalf("%d unauthenticated requests passed before 429", ok)
	}
	// The window ends within max(wait1, wait2) seconds: poll until it has.
	if err := harness.Eventually(time.Duration(max(wait1, wait2)+5)*time.Second, func() error {
		if status, _, m := raw(t, w.URL, "GET", "/rest/companies", s.AccessToken, ""); status != 200 {
			return fmt.Errorf("authenticated after the window: %d %v", status, m)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := raw(t, w.URL, "GET", "/rest/companies", "", ""); status != 401 {
		t.Fatalf("unauthenticated after the window: %d, want 401 (not 429)", status)
	}
}

func TestKVOutageStillServes(t *testing.T) {
	t.Parallel()
	w := extra(t, "kvdown")
	c := client.New(w.URL)
	s, err := c.SignUp("kvdown@e2e.test", "kv outage password", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if status, _, m := raw(t, w.URL, "POST", "/rest/companies", s.AccessToken, fmt.Sprintf(`{"name":"kv %d"}`, i)); status != 201 {
			t.Fatalf("with KV failing: %d %v", status, m)
		}
	}
	s2, err := c.Login("kvdown@e2e.test", "kv outage password")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SignOut(s2); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := raw(t, w.URL, "GET", "/rest/companies", s2.AccessToken, ""); status != 401 {
		t.Fatalf("signed-out token with KV failing: %d", status)
	}
	if status, _, _ := raw(t, w.URL, "GET", "/rest/companies", s.AccessToken, ""); status != 200 {
		t.Fatalf("the other session with KV failing: %d", status)
	}
}

// The Worker keeps the edge's answer to a REST request by a principal it
// verified moments ago (host.Reuse) and says so in Server-Timing; a
// sign-out in the isolate drops it, and the token is refused at once.
func TestKeptEdgeAnswerEndsAtSignOut(t *testing.T) {
	c := client.New(srv.URL)
	s, err := c.SignUp("kept@e2e.test", "a long and unusual passphrase 5519", "")
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for i := 0; i < 10 && !kept; i++ { // the first answers verify the principal, then Go marks the answer, then the Worker reuses it
		status, h, m := raw(t, srv.URL, "GET", "/rest/companies", s.AccessToken, "")
		if status != 200 {
			t.Fatalf("read %d: %d %v", i, status, m)
		}
		kept = regexp.MustCompile(`auth;dur=[0-9.]+;desc="kept"`).MatchString(strings.Join(h.Values("server-timing"), ", "))
	}
	if !kept {
		t.Fatal("ten reads by one token in a row, and the edge's answer was never kept")
	}
	// A REST answer is kept for every REST path: another object's page is
	// answered from it at once, and reaches that object's route.
	status, h, m := raw(t, srv.URL, "GET", "/rest/people", s.AccessToken, "")
	if st := strings.Join(h.Values("server-timing"), ", "); status != 200 || m["data"] == nil || !strings.Contains(st, `desc="kept"`) {
		t.Fatalf("another REST path: %d %v (Server-Timing %s)", status, m, st)
	}
	if d, _ := m["data"].(map[string]any); d["people"] == nil {
		t.Fatalf("another REST path reached the wrong route: %v", m)
	}
	if err := c.SignOut(s); err != nil {
		t.Fatal(err)
	}
	if status, h, m := raw(t, srv.URL, "GET", "/rest/companies", s.AccessToken, ""); status != 401 {
		t.Fatalf("after sign-out: %d %v (Server-Timing %s)", status, m, h.Values("server-timing"))
	}
}
