package durable_test

import (
	"errors"
	"testing"
	"time"

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
