package events_test

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"edgecrm/events"
	"edgecrm/migrations"
	"edgecrm/sqldb/sqlitedb"
)

// TestTailReadsAsTheLog: the events a store keeps from its appends
// (Tail) read back as the log itself answers: the same events (times cut
// to the millisecond, in UTC) and the same decoded payloads, for any range
// and limit, across the trimming of the oldest; a store whose tail does not
// reach its head reads the log.
func TestTailReadsAsTheLog(t *testing.T) {
	db := sqlitedb.MustOpen(t, migrations.ApplyDO)
	writer := &events.SQLStore{DB: db}
	writer.SetHead(0)
	rng := rand.New(rand.NewSource(3))
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("x", 3600))
	check := func() {
		t.Helper()
		head, _ := writer.Head()
		log := &events.SQLStore{DB: db} // no tail: reads storage
		first := writer.Tail()[0].Seq
		for _, after := range []int64{first - 2, first - 1, first, first + 7, head - 1, head, head + 3} {
			for _, limit := range []int{-1, 0, 1, 5, 100, 5000} {
				got, err := writer.ReadFrom(after, limit)
				if err != nil {
					t.Fatal(err)
				}
				want, err := log.ReadFrom(after, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("after %d limit %d: %d events, the log has %d", after, limit, len(got), len(want))
				}
				for i := range got {
					gf, _ := got[i].Fields()
					wf, _ := want[i].Fields()
					if got[i].Seq != want[i].Seq || got[i].ID != want[i].ID || got[i].Type != want[i].Type || got[i].SchemaVersion != want[i].SchemaVersion ||
						got[i].Time != want[i].Time || got[i].Actor != want[i].Actor || got[i].CommandID != want[i].CommandID ||
						string(got[i].Payload) != string(want[i].Payload) || !reflect.DeepEqual(gf, wf) {
						t.Fatalf("after %d: seq %d reads %+v %v from the tail, %+v %v from the log", after, want[i].Seq, got[i], gf, want[i], wf)
					}
				}
			}
		}
	}
	for batch := 0; batch < 40; batch++ {
		var evs []events.Event
		for i, n := 0, 1+rng.Intn(150); i < n; i++ {
			at = at.Add(time.Duration(rng.Intn(3_000_000)))
			fields := map[string]any{"name": fmt.Sprint("n", i), "n": int64(rng.Intn(1000)), "x": rng.Float64()}
			e, err := events.NewDecoded("company.created", 1, at, "api", fmt.Sprint("cmd", batch), fields, fields)
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, e)
		}
		if _, err := writer.Append(evs); err != nil {
			t.Fatal(err)
		}
		check()
	}
	head, _ := writer.Head()
	if n := len(writer.Tail()); n > 2*events.MaxTail || n < min(int(head), events.MaxTail) {
		t.Fatalf("the tail holds %d events of %d", n, head)
	}
	// A tail handed to a store whose head is elsewhere is not read.
	other := &events.SQLStore{DB: db}
	other.SetHead(writer.Tail()[0].Seq)
	other.SetTail(writer.Tail())
	if evs, _ := other.ReadFrom(writer.Tail()[0].Seq, 1); len(evs) != 1 || evs[0].Seq != writer.Tail()[0].Seq+1 {
		t.Fatal("a store read a tail past its head")
	}
}
