package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	crm "edgecrm/api/client"
	"edgecrm/auth"
	"edgecrm/tests/harness"
)

// Workspaces are named by alias in this driver: the first request for an
// alias signs its user up (alias@bench.test) and every request carries
// that user's Bearer token.
var (
	sessionsMu sync.Mutex
	sessions   = map[string]*crm.Session{}
)

func sessionFor(base, ws string) (*crm.Session, error) {
	sessionsMu.Lock()
	defer sessionsMu.Unlock()
	if s, ok := sessions[base+"\x00"+ws]; ok {
		return s, nil
	}
	s, err := crm.New(base).SignUpOrLogin(ws+"@bench.test", "bench password of "+ws)
	if err != nil {
		return nil, fmt.Errorf("session for %s: %w", ws, err)
	}
	sessions[base+"\x00"+ws] = s
	return s, nil
}

func remember(base, ws string, s *crm.Session) {
	sessionsMu.Lock()
	sessions[base+"\x00"+ws] = s
	sessionsMu.Unlock()
}

// workspaceOf is the workspace id of an alias (for the admin endpoints).
func workspaceOf(base, ws string) string {
	s, err := sessionFor(base, ws)
	if err != nil {
		return ws
	}
	return s.Workspace
}

// benchAuth measures sign-up, login and token verification on workerd, and
// token verification natively for comparison.
func benchAuth(base string, n int, report *strings.Builder) error {
	c := crm.New(base)
	var signup, first sample
	for i := 0; i < 10; i++ {
		alias := fmt.Sprintf("signup-%d", i)
		t0 := time.Now()
		s, err := c.SignUp(alias+"@bench.test", "bench password of "+alias, "")
		if err != nil {
			return err
		}
		signup = append(signup, time.Since(t0))
		remember(base, alias, s)
		d, err := timed(base, "GET", "/rest/companies", alias, "", 200)
		if err != nil {
			return err
		}
		first = append(first, d)
	}

	email, password := "login@bench.test", "bench login password"
	if _, err := c.SignUp(email, password, ""); err != nil {
		return err
	}
	var creds, exchange, total, renew sample
	for i := 0; i < n; i++ {
		t0 := time.Now()
		lt, err := c.LoginToken(email, password)
		if err != nil {
			return err
		}
		t1 := time.Now()
		s, err := c.Exchange(lt)
		if err != nil {
			return err
		}
		t2 := time.Now()
		if _, err := c.Renew(s); err != nil {
			return err
		}
		creds, exchange, total, renew = append(creds, t1.Sub(t0)), append(exchange, t2.Sub(t1)), append(total, t2.Sub(t0)), append(renew, time.Since(t2))
	}

	// Verification: fresh tokens of one session, signed here with the
	// server's key (each jti new, so the server's cache has never seen
	// them): the first use pays RS256 in wasm, the second hits the cache.
	s, err := sessionFor(base, "verify")
	if err != nil {
		return err
	}
	pemKey, err := harness.KeyPEM()
	if err != nil {
		return err
	}
	keys, _ := auth.NewKeys(auth.DefaultIssuer, auth.DefaultAudience)
	if _, err := keys.AddSigningKeyPEM("", pemKey); err != nil {
		return err
	}
	claims, err := keys.Verify(s.AccessToken, auth.TokenAccess, time.Now())
	if err != nil {
		return err
	}
	var fresh, cached sample
	for i := 0; i < 20+n; i++ {
		cl := claims
		cl.TokenID, cl.IssuedAt, cl.ExpiresAt, cl.Issuer, cl.Audience = "", time.Time{}, time.Time{}, "", ""
		is, err := keys.Issue(cl, time.Hour, time.Now())
		if err != nil {
			return err
		}
		for j, into := range []*sample{&fresh, &cached} {
			t0 := time.Now()
			status, body, err := crm.New(base).Do("GET", "/rest/companies?limit=1", is.Token, "")
			if err != nil || status != 200 {
				return fmt.Errorf("verify round %d/%d: %d %s %v", i, j, status, body, err)
			}
			if i >= 20 {
				*into = append(*into, time.Since(t0))
			}
		}
	}
	nativeVerify := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			if _, err := keys.Verify(s.AccessToken, auth.TokenAccess, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	cache := auth.NewVerifyCache(keys, 0)
	nativeCached := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			if _, err := cache.Verify(s.AccessToken, auth.TokenAccess, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})

	fmt.Fprintf(report, "## Accounts and sessions\n\n")
	fmt.Fprintf(report, "Twenty's GraphQL operations on `/metadata`, sequential. A sign-up hashes the password (argon2id, m=19 MiB, t=2), creates the account object and the workspace object (standard objects seeded as events, the user's workspaceMember record) and issues a login token.\n\n")
	fmt.Fprintf(report, "| operation | p50 | p99 |\n|---|---|---|\n")
	for _, r := range []struct {
		name string
		s    sample
	}{
		{"`signUp` (10 new users and workspaces)", signup},
		{"first `GET /rest/companies` of a new workspace with its token", first},
		{fmt.Sprintf("`getLoginTokenFromCredentials` (argon2id verify; %d)", n), creds},
		{"`getAuthTokensFromLoginToken` (session start, 2 RS256 signatures)", exchange},
		{"login total (both)", total},
		{"`renewToken` (rotation, 2 RS256 signatures)", renew},
	} {
		fmt.Fprintf(report, "| %s | %s | %s |\n", r.name, ms(r.s.Pct(0.5)), ms(r.s.Pct(0.99)))
	}
	fmt.Fprintf(report, "\nPer-request cost of token verification: `GET /rest/companies?limit=1` with a token the isolate has never seen (RS256 verification in wasm) and the same token again (the isolate's verification cache), %d tokens:\n\n", n)
	fmt.Fprintf(report, "| request | p50 | p99 |\n|---|---|---|\n| first use of a token | %s | %s |\n| same token again (cached) | %s | %s |\n| difference (≈ one RS256 verification in wasm) | %s | |\n\n",
		ms(fresh.Pct(0.5)), ms(fresh.Pct(0.99)), ms(cached.Pct(0.5)), ms(cached.Pct(0.99)), ms(fresh.Pct(0.5)-cached.Pct(0.5)))
	fmt.Fprintf(report, "Natively (this machine, Go): `Keys.Verify` %s per token, `VerifyCache.Verify` hit %s.\n\n",
		time.Duration(nativeVerify.NsPerOp()), time.Duration(nativeCached.NsPerOp()))
	return nil
}
