// Package storetest is the conformance suite every events.Store must pass.
package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"edgecrm/events"
)

// Run runs the suite; newStore returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) events.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	mk := func(t *testing.T, typ string, n int) []events.Event {
		out := make([]events.Event, n)
		for i := range out {
			e, err := events.New(typ, 1, at, "api", fmt.Sprintf("cmd-%d", i), map[string]any{"i": i})
			if err != nil {
				t.Fatal(err)
			}
			out[i] = e
		}
		return out
	}
	t.Run("empty head is zero", func(t *testing.T) {
		s := newStore(t)
		if h, err := s.Head(); err != nil || h != 0 {
			t.Fatalf("head = %d, %v; want 0", h, err)
		}
		got, err := s.ReadFrom(0, 10)
		if err != nil || len(got) != 0 {
			t.Fatalf("read empty = %v, %v", got, err)
		}
	})
	t.Run("append assigns gap-free sequences", func(t *testing.T) {
		s := newStore(t)
		a, err := s.Append(mk(t, "company.created", 2))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Append(mk(t, "company.updated", 3))
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, e := range append(a, b...) {
			seqs = append(seqs, e.Seq)
		}
		if fmt.Sprint(seqs) != "[1 2 3 4 5]" {
			t.Fatalf("seqs = %v", seqs)
		}
		if h, _ := s.Head(); h != 5 {
			t.Fatalf("head = %d, want 5", h)
		}
	})
	t.Run("read from a sequence round-trips every field", func(t *testing.T) {
		s := newStore(t)
		in := mk(t, "person.created", 4)
		if _, err := s.Append(in); err != nil {
			t.Fatal(err)
		}
		got, err := s.ReadFrom(1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 3 {
			t.Fatalf("got %+v", got)
		}
		want := in[1]
		g := got[0]
		if g.ID != want.ID || g.Type != want.Type || g.SchemaVersion != 1 || !g.Time.Equal(at.Truncate(time.Millisecond)) ||
			g.Actor != "api" || g.CommandID != want.CommandID || string(g.Payload) != string(want.Payload) {
			t.Fatalf("round trip: got %+v want %+v", g, want)
		}
		var p map[string]any
		if err := g.Decode(&p); err != nil || fmt.Sprint(p["i"]) != "1" {
			t.Fatalf("payload = %v, %v", p, err)
		}
	})
	t.Run("duplicate event id appends nothing", func(t *testing.T) {
		s := newStore(t)
		evs := mk(t, "company.created", 1)
		if _, err := s.Append(evs); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(evs); err == nil {
			t.Fatal("second append of the same id succeeded")
		}
	})
	t.Run("command results are remembered", func(t *testing.T) {
		s := newStore(t)
		if _, found, err := s.Command("c1"); err != nil || found {
			t.Fatalf("unknown command found=%v err=%v", found, err)
		}
		want := events.CommandRecord{ID: "c1", Binding: "b1", Result: []byte(`{"ok":1}`), At: at}
		if err := s.RecordCommand(want, at.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		r, found, err := s.Command("c1")
		if err != nil || !found || !reflect.DeepEqual(r, want) {
			t.Fatalf("command = %+v %v %v, want %+v", r, found, err, want)
		}
	})
	t.Run("expired commands are forgotten a few per record", func(t *testing.T) {
		s := newStore(t)
		n := events.ForgetPerRecord + 2
		for i := 0; i < n; i++ {
			if err := s.RecordCommand(events.CommandRecord{ID: fmt.Sprintf("old%d", i), Result: []byte("{}"), At: at}, at.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		later := at.Add(25 * time.Hour)
		if err := s.RecordCommand(events.CommandRecord{ID: "new", Result: []byte("{}"), At: later}, later.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		kept := 0
		for i := 0; i < n; i++ {
			if _, found, err := s.Command(fmt.Sprintf("old%d", i)); err != nil {
				t.Fatal(err)
			} else if found {
				kept++
			}
		}
		if kept != n-events.ForgetPerRecord {
			t.Fatalf("%d of %d expired commands kept after one record, want %d", kept, n, n-events.ForgetPerRecord)
		}
		if _, found, _ := s.Command("new"); !found {
			t.Fatal("the new command was not kept")
		}
	})
}
