package durable_test

import (
	"errors"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// An opened workspace costs one read: migrations and seeding run once, and
// a call that rolls back leaves nothing behind that the next call trusts.
func TestOpenReadsOnceAndForgetsRollbacks(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	errAbort := errors.New("abort")
	// A first call migrates and seeds, then rolls back: storage is empty again.
	if err := db.Tx(func() error {
		if _, err := durable.Open("ws", db, time.Now); err != nil {
			t.Fatal(err)
		}
		return errAbort
	}); err != errAbort {
		t.Fatal(err)
	}
	if r, err := db.Exec(`SELECT count(*) FROM sqlite_master WHERE name = '_state'`); err != nil || r.Int() != 0 {
		t.Fatalf("rolled back storage has _state: %v %v", r, err)
	}
	timed := &sqldb.Timed{DB: db}
	w, err := durable.Open("ws", timed, time.Now)
	if err != nil || w.Schema().Object("company") == nil {
		t.Fatalf("the next call migrates and seeds again: %v", err)
	}
	if timed.Count < 10 {
		t.Fatalf("a fresh workspace was opened with %d statements", timed.Count)
	}
	for i := 0; i < 2; i++ { // the first loads the schema into the cache
		timed = &sqldb.Timed{DB: db}
		w, err = durable.Open("ws", timed, time.Now)
		if err != nil || w.Schema().Object("company") == nil {
			t.Fatal(err)
		}
	}
	if timed.Count != 1 {
		t.Fatalf("an opened workspace and its cached schema cost %d statements, want 1", timed.Count)
	}
}

// TestKeptCallsReadTheirEventsFromMemory: the events a committed call
// appended go to the next call of the same instance with its vars, which
// reads them (the outbox's read) without a statement; another instance
// (after a rollback, or a new object) reads storage.
func TestKeptCallsReadTheirEventsFromMemory(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	open := func(instance string, d sqldb.DB) *durable.Workspace {
		t.Helper()
		w, err := durable.OpenInstance("ws-tail", d, nil, instance)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	open("i1", db).KeepVars() // the seeding call changed the metadata: nothing kept
	w := open("i1", db)
	evs, err := w.Execute(domain.RecordCommand{Kind: domain.Create, Object: "company", ID: durable.NewRecordID(time.Now()), Data: map[string]any{"name": "Acme"}}, "api", "c1")
	if err != nil || len(evs) == 0 {
		t.Fatal(evs, err)
	}
	w.KeepVars()
	timed := &sqldb.Timed{DB: db}
	w = open("i1", timed)
	got, err := w.Store.ReadFrom(evs[0].Seq-1, 500)
	if err != nil || len(got) != len(evs) || got[0].ID != evs[0].ID {
		t.Fatalf("read %+v %v, want the %d events appended", got, err, len(evs))
	}
	if timed.Count != 0 {
		t.Fatalf("the kept call read its events with %d statements", timed.Count)
	}
	timed = &sqldb.Timed{DB: db}
	if got, err := open("i2", timed).Store.ReadFrom(evs[0].Seq-1, 500); err != nil || len(got) != len(evs) || timed.Count != 2 {
		t.Fatalf("another instance: %d events with %d statements (%v), want its vars and the log read", len(got), timed.Count, err)
	}
}
