package edge

import (
	"testing"
	"time"
)

// The rate limit's prepared 429 is built once a second per shape, and
// says how long to wait at the second it is used.
func TestRefusedNowFollowsTheSecond(t *testing.T) {
	at := time.Unix(1_700_000_007, 0)
	Now = func() time.Time { return at }
	defer func() { Now = time.Now }()
	rest, gql := &flow{}, &flow{GraphQL: true, Key: "currentUser"}
	a, b := refusedNow(rest, 10), refusedNow(rest, 10)
	if a != b || a.Status != 429 || a.Headers["retry-after"] != "3" {
		t.Fatalf("same second: %p %p, %d retry-after %q", a, b, a.Status, a.Headers["retry-after"])
	}
	if g := refusedNow(gql, 10); g == a || g.Status != 429 || g.Body == a.Body {
		t.Fatalf("a GraphQL request got the REST answer: %s", g.Body)
	}
	at = at.Add(time.Second)
	if c := refusedNow(rest, 10); c.Headers["retry-after"] != "2" {
		t.Fatalf("next second: retry-after %q, want 2", c.Headers["retry-after"])
	}
}
