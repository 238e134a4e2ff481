package durable

import (
	"fmt"
	"testing"

	"edgecrm/events"
	"edgecrm/sqldb/sqlitedb"
)

// unsent keeps the events after the outbox's checkpoint, MaxTail at most,
// and clears the slots of those it drops (their payloads are not held).
func TestUnsentKeepsWhatTheOutboxReadsNext(t *testing.T) {
	tail := func(n int) []events.Event {
		out := make([]events.Event, n)
		for i := range out {
			out[i] = events.Event{Seq: int64(101 + i), ID: fmt.Sprint(i), Payload: []byte("x")}
		}
		return out
	}
	for _, c := range []struct {
		n          int
		sent       int64
		first, len int64
	}{
		{10, 0, 101, 10},  // nothing sent yet
		{10, 104, 105, 6}, // four sent
		{10, 110, 0, 0},   // all sent: nothing kept
		{10, 500, 0, 0},   // past the tail
		{events.MaxTail + 50, 0, 151, int64(events.MaxTail)}, // MaxTail at most
		{0, 7, 0, 0},
	} {
		all := tail(c.n)
		got := unsent(all, c.sent)
		if int64(len(got)) != c.len || len(got) > 0 && got[0].Seq != c.first {
			t.Fatalf("%d events, sent %d: kept %d from %v, want %d from %d", c.n, c.sent, len(got), got[:min(1, len(got))], c.len, c.first)
		}
		for _, e := range all[:c.n-len(got)] {
			if e.Payload != nil {
				t.Fatalf("%d events, sent %d: a dropped event still holds its payload", c.n, c.sent)
			}
		}
	}
}

// The tails the cache keeps for all workspaces stay within
// maxCachedEvents: a workspace past it keeps its vars without a tail, and
// an entry forgotten gives its events back.
func TestCachedTailsShareOneBudget(t *testing.T) {
	ResetVarsCache()
	defer ResetVarsCache()
	db := sqlitedb.MustOpen(t)
	kept := func(ws string) int {
		t.Helper()
		open := func() *Workspace {
			w, err := OpenInstance(ws, db, nil, "i")
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		open().KeepVars() // the seeding call changed the metadata: nothing kept
		w := open()
		head, _ := w.Store.Head()
		tail := make([]events.Event, events.MaxTail) // as if appended, not sent yet
		for i := range tail {
			tail[i].Seq = head + 1 + int64(i)
		}
		w.Store.(*events.SQLStore).SetHead(head + int64(len(tail)))
		w.Store.(*events.SQLStore).SetTail(tail)
		w.KeepVars()
		varsCache.Lock()
		defer varsCache.Unlock()
		return len(varsCache.m[ws].tail)
	}
	if a, b, c := kept("budget-a"), kept("budget-b"), kept("budget-c"); a != events.MaxTail || b != events.MaxTail || c != 0 {
		t.Fatalf("kept %d, %d and %d events, want %d, %d and none past the budget of %d", a, b, c, events.MaxTail, events.MaxTail, maxCachedEvents)
	}
	ForgetVars("budget-a")
	if c := kept("budget-c"); c != events.MaxTail {
		t.Fatalf("after a workspace was forgotten, another kept %d events, want %d", c, events.MaxTail)
	}
	for _, ws := range []string{"budget-b", "budget-c"} {
		ForgetVars(ws)
	}
	if varsCache.events != 0 {
		t.Fatalf("%d events counted after every entry was forgotten", varsCache.events)
	}
}
