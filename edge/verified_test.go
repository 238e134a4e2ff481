package edge_test

import (
	"slices"
	"testing"
	"time"

	"edgecrm/edge"
	"edgecrm/host"
)

// kvRead reports whether the edge's first answer to a request with token
// reads KV (false: it goes straight on, the principal verified moments ago).
func kvRead(t *testing.T, token string) bool {
	t.Helper()
	out := edge.Fetch(&host.Request{Method: "GET", Path: "/rest/companies", Headers: map[string]string{"authorization": "Bearer " + token}}, map[string]any{})
	if len(out.Effects) != 1 {
		t.Fatalf("effects %+v", out.Effects)
	}
	switch out.Effects[0].Kind {
	case host.EffectKVGet:
		return true
	case host.EffectForward:
		return false
	}
	t.Fatalf("effect %s", out.Effects[0].Kind)
	return false
}

// A principal the edge verified is trusted without KV for VerifiedTTL;
// after it, or once this isolate revokes anything, KV is read again.
func TestVerifiedPrincipalSkipsKVForItsTTL(t *testing.T) {
	c := newClient(t, nil)
	s := c.signUpAndLogIn("cache@example.com", "correct horse battery", "")
	edge.ForgetVerified()
	if !kvRead(t, s.Access) {
		t.Fatal("an unverified principal skipped KV")
	}
	if r := c.do("GET", "/rest/companies", s.Access, ""); r.Status != 200 {
		t.Fatalf("read: %d %s", r.Status, r.Raw)
	}
	if kvRead(t, s.Access) {
		t.Fatal("a principal verified moments ago read KV again")
	}
	defer func(now func() time.Time) { edge.Now = now }(edge.Now)
	edge.Now = func() time.Time { return time.Now().Add(edge.VerifiedTTL) }
	if !kvRead(t, s.Access) {
		t.Fatal("the verification outlived its TTL")
	}
	edge.Now = time.Now
	c.do("GET", "/rest/companies", s.Access, "")
	if r := c.gql(s.Access, signOutQ, map[string]any{"refreshToken": s.Refresh}); r.Status != 200 {
		t.Fatalf("signOut: %d %s", r.Status, r.Raw)
	}
	if !kvRead(t, s.Access) {
		t.Fatal("a sign-out in this isolate left the principal trusted")
	}
	if r := c.do("GET", "/rest/companies", s.Access, ""); r.Status != 401 {
		t.Fatalf("after sign-out: %d %s", r.Status, r.Raw)
	}
}

// A forward of a principal verified moments ago is marked for the shell to
// keep (host.Reuse): for at most ReuseMax, never past the verification; a
// GraphQL POST only for documents naming no auth operation (the document
// decides where those go), a GraphQL GET (an upgrade) never; a revocation
// in the isolate moves the epoch.
func TestForwardOfAVerifiedPrincipalIsKept(t *testing.T) {
	c := newClient(t, nil)
	s := c.signUpAndLogIn("reuse@example.com", "correct horse battery", "")
	fetch := func(path string) *host.Output {
		return edge.Fetch(&host.Request{Method: "GET", Path: path, Headers: map[string]string{"authorization": "Bearer " + s.Access}}, map[string]any{})
	}
	edge.ForgetVerified()
	if out := fetch("/rest/companies"); out.Reuse != nil {
		t.Fatalf("an unverified principal's answer was kept: %+v", out.Reuse)
	}
	c.do("GET", "/rest/companies", s.Access, "")
	out := fetch("/rest/companies")
	if out.Reuse == nil || out.Reuse.Ms <= 0 || out.Reuse.Ms > edge.ReuseMax.Milliseconds() || out.Effects[0].Kind != host.EffectForward {
		t.Fatalf("a verified REST forward: reuse %+v, effects %+v", out.Reuse, out.Effects)
	}
	// The REST forward goes to the request's own path, so it is kept for
	// every REST path; another path is answered the same.
	if out.Reuse.Prefix != "/rest/" || out.Effects[0].Path != "" {
		t.Fatalf("a REST forward: prefix %q, path %q", out.Reuse.Prefix, out.Effects[0].Path)
	}
	if other := fetch("/rest/people/3f1c7c2e-6a55-4f52-9a4f-0d7d3e0b6a11"); other.Reuse == nil || other.Reuse.Prefix != "/rest/" || other.Effects[0].Path != "" || other.Effects[0].Headers["x-edgecrm-principal"] != out.Effects[0].Headers["x-edgecrm-principal"] {
		t.Fatalf("another REST path: reuse %+v, effects %+v", other.Reuse, other.Effects)
	}
	if g := fetch("/graphql"); g.Reuse != nil {
		t.Fatalf("a GraphQL GET (an upgrade) was kept: %+v", g.Reuse)
	}
	// A GraphQL POST is kept for the documents that name no auth
	// operation: the shell asks Go again for one that does.
	post := func(body string) *host.Output {
		return edge.Fetch(&host.Request{Method: "POST", Path: "/graphql", Body: body,
			Headers: map[string]string{"authorization": "Bearer " + s.Access, "content-type": "application/json"}}, map[string]any{})
	}
	g := post(`{"query":"{ companies { totalCount } }"}`)
	if g.Reuse == nil || g.Reuse.Ms <= 0 || g.Reuse.Prefix != "" || len(g.Effects) != 1 || g.Effects[0].Kind != host.EffectForward {
		t.Fatalf("a verified GraphQL forward: reuse %+v, effects %+v", g.Reuse, g.Effects)
	}
	for _, op := range []string{"getRoles", "apiKeys", "renewToken", "signUp", "getLoginTokenFromCredentials", "deleteUser"} {
		if !slices.Contains(g.Reuse.UnlessBody, op) {
			t.Errorf("a kept GraphQL forward would answer a document naming %s", op)
		}
	}
	if a := post(`{"query":"{ getRoles { id label } }"}`); a.Reuse != nil && a.Reuse.Ms > 0 || len(a.Effects) > 0 && a.Effects[0].Kind == host.EffectForward {
		t.Fatalf("an auth operation was forwarded or kept: reuse %+v, effects %+v", a.Reuse, a.Effects)
	}
	defer func(now func() time.Time) { edge.Now = now }(edge.Now)
	edge.Now = func() time.Time { return time.Now().Add(edge.VerifiedTTL - 300*time.Millisecond) }
	if late := fetch("/rest/companies"); late.Reuse == nil || late.Reuse.Ms > 300 {
		t.Fatalf("kept past the verification: %+v", late.Reuse)
	}
	edge.Now = time.Now
	epoch := out.Reuse.Epoch
	edge.ForgetVerified()
	c.do("GET", "/rest/companies", s.Access, "")
	if again := fetch("/rest/companies"); again.Reuse == nil || again.Reuse.Epoch == epoch {
		t.Fatalf("the epoch did not move on a revocation: %+v (was %d)", again.Reuse, epoch)
	}
}
