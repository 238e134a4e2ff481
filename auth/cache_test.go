package auth

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestVerifyCache(t *testing.T) {
	keys := testKeys(t)
	c := NewVerifyCache(keys, 2)
	tok := mustIssue(t, keys, accessClaims(), time.Hour, t0)

	steps := []struct {
		name       string
		token      string
		typ        TokenType
		now        time.Time
		wantErr    error
		wantHits   uint64
		wantMisses uint64
		wantLen    int
	}{
		{"first use verifies", tok, TokenAccess, t0, nil, 0, 1, 1},
		{"second use is a hit", tok, TokenAccess, t0.Add(time.Minute), nil, 1, 1, 1},
		{"hit still checks type", tok, TokenRefresh, t0, ErrInvalidToken, 2, 1, 1},
		{"bad token is not cached", tok + "x", TokenAccess, t0, ErrInvalidToken, 2, 2, 1},
		{"bad token misses again", tok + "x", TokenAccess, t0, ErrInvalidToken, 2, 3, 1},
		{"expired entry fails and leaves", tok, TokenAccess, t0.Add(time.Hour), ErrTokenExpired, 2, 3, 0},
		{"then re-verification says expired too", tok, TokenAccess, t0.Add(time.Hour), ErrTokenExpired, 2, 4, 0},
	}
	for _, s := range steps {
		claims, err := c.Verify(s.token, s.typ, s.now)
		if s.wantErr == nil && (err != nil || claims.UserID != "u-1") {
			t.Fatalf("%s: %+v, %v", s.name, claims, err)
		}
		if s.wantErr != nil && !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.wantErr)
		}
		hits, misses := c.Stats()
		if hits != s.wantHits || misses != s.wantMisses || c.Len() != s.wantLen {
			t.Fatalf("%s: hits %d misses %d len %d, want %d %d %d", s.name, hits, misses, c.Len(), s.wantHits, s.wantMisses, s.wantLen)
		}
	}
}

func TestVerifyCacheBoundedLRU(t *testing.T) {
	keys := testKeys(t)
	c := NewVerifyCache(keys, 3)
	toks := make([]string, 5)
	for i := range toks {
		cl := accessClaims()
		cl.UserID = fmt.Sprint("u-", i)
		toks[i] = mustIssue(t, keys, cl, time.Hour, t0)
	}
	for _, i := range []int{0, 1, 2, 0, 3} { // 1 is least recent when 3 arrives
		if _, err := c.Verify(toks[i], TokenAccess, t0); err != nil {
			t.Fatal(err)
		}
	}
	if c.Len() != 3 {
		t.Fatalf("Len = %d", c.Len())
	}
	// Remove the key: only cached tokens still pass, proving what is cached.
	keys.Remove("kid-a")
	for i, want := range []bool{true, false, true, true, false} {
		_, err := c.Verify(toks[i], TokenAccess, t0)
		if (err == nil) != want {
			t.Fatalf("token %d cached = %v, want %v", i, err == nil, want)
		}
	}
	c.Purge()
	if _, err := c.Verify(toks[0], TokenAccess, t0); err == nil || c.Len() != 0 {
		t.Fatal("Purge kept entries")
	}
}

func TestVerifyCachePrune(t *testing.T) {
	keys := testKeys(t)
	c := NewVerifyCache(keys, 0)
	short := mustIssue(t, keys, accessClaims(), time.Minute, t0)
	long := mustIssue(t, keys, accessClaims(), time.Hour, t0)
	c.Verify(short, TokenAccess, t0)
	c.Verify(long, TokenAccess, t0)
	c.Prune(t0.Add(time.Minute))
	if c.Len() != 1 {
		t.Fatalf("Len after prune = %d", c.Len())
	}
}
