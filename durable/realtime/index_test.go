package realtime_test

import (
	"testing"
)

// TestIndexFollowsSubscriptionChanges checks that the isolate's copy of
// the subscriptions follows every change of them (subscribe, complete,
// close, a fresh isolate), and that sockets whose operation ids differ,
// sharing one frame body, each get their own id.
func TestIndexFollowsSubscriptionChanges(t *testing.T) {
	h := newHost(t)
	const q = `subscription { onDbEvent(input: {objectNameSingular: "company"}) { seq } }`
	a := connect(t, h, `{}`)
	a.subscribe("1", q, "")
	a.next()
	createCompany(t, h, `{"name":"one"}`)
	if n := len(events(t, a.next(), "1")); n != 1 {
		t.Fatalf("a: %d events, want 1", n)
	}

	// A second socket after the first broadcast, with an id that needs escaping.
	odd := `op "b" <&>`
	b := connect(t, h, `{}`)
	b.subscribe(odd, q, "")
	b.next()
	createCompany(t, h, `{"name":"two"}`)
	if na, nb := len(events(t, a.next(), "1")), len(events(t, b.next(), odd)); na != 1 || nb != 1 {
		t.Fatalf("after b subscribed: a %d, b %d events, want 1 and 1", na, nb)
	}

	// Completing a subscription stops it at once.
	a.send(`{"id":"1","type":"complete"}`)
	createCompany(t, h, `{"name":"three"}`)
	if fa, nb := a.next(), len(events(t, b.next(), odd)); len(fa) != 0 || nb != 1 {
		t.Fatalf("after a completed: a got %v, b %d events", fa, nb)
	}

	// A fresh isolate rebuilds the index from storage.
	if err := h.Restart(); err != nil {
		t.Fatal(err)
	}
	a.subscribe("2", q, "")
	a.next()
	createCompany(t, h, `{"name":"four"}`)
	if na, nb := len(events(t, a.next(), "2")), len(events(t, b.next(), odd)); na != 1 || nb != 1 {
		t.Fatalf("after restart: a %d, b %d events, want 1 and 1", na, nb)
	}

	// A closed socket is no longer a target, and nothing is left indexed.
	if err := h.WSClientClose(b.s, 1000); err != nil {
		t.Fatal(err)
	}
	createCompany(t, h, `{"name":"five"}`)
	if na, sent := len(events(t, a.next(), "2")), len(b.s.Sent); na != 1 || sent != b.read {
		t.Fatalf("after b closed: a %d events, b got %d more frames", na, sent-b.read)
	}
	if n := subsOf(t, h); n != 1 {
		t.Fatalf("%d subscriptions indexed, want 1", n)
	}
}
