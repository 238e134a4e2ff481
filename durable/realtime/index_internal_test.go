package realtime

import "testing"

func TestChunksAndTargets(t *testing.T) {
	old := FanoutSubs
	FanoutSubs = 2
	defer func() { FanoutSubs = old }()
	x := &subIndex{chunks: map[int]*chunk{}, specs: map[int64]*compiledSpec{1: {shape: "s"}}}
	for _, s := range []subscription{{"a", "1", 1, 5}, {"b", "1", 1, 9}, {"b", "2", 2, 5}, {"c", "1", 1, 5}} {
		x.subs = append(x.subs, s)
	}
	// A chunk never splits a socket: b's two subscriptions stay together.
	c := x.chunkAt(x.after("", ""))
	if c.end != 3 || len(c.groups) != 2 || c.groups[1].spec != nil {
		t.Fatalf("first chunk: end %d, %d groups", c.end, len(c.groups))
	}
	if got := x.after("b", "2"); got != 3 {
		t.Fatalf("after b/2: %d, want 3", got)
	}
	if got := x.after("a", "0"); got != 0 {
		t.Fatalf("after a/0: %d, want 0", got)
	}
	if c2 := x.chunkAt(3); c2.end != 4 || x.chunkAt(0) != c {
		t.Fatalf("second chunk ends at %d, or the first was not kept", c2.end)
	}
	// An event after every since goes to all pairs; an earlier one only to
	// the subscriptions that were there before it.
	g := c.groups[0]
	if got := g.targets(10); got != `a 1 b 1` {
		t.Fatalf("targets(10) = %s", got)
	}
	if got := g.targets(7); got != `a 1` {
		t.Fatalf("targets(7) = %s", got)
	}
	if got := g.targets(5); got != "" {
		t.Fatalf("targets(5) = %v", got)
	}
}
