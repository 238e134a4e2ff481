package durable

import (
	"slices"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/projections"
	"edgecrm/sqldb/sqlitedb"
)

// TestSearchFollowsTheLog: a command leaves its records' search entries
// to SettleSearch (search_seq behind the head until then), which writes
// them from the rows as they are: an update's new text, nothing for a
// record destroyed in between; a destroy removes its entry at once; an
// update of no searchable field makes none stale. A workspace of the
// layout before (searchVersion 1, its index whole) follows the log from
// its head on its next open, without a reindex.
func TestSearchFollowsTheLog(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	w, err := Open("search-log", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(kind domain.Kind, id string, data map[string]any) {
		t.Helper()
		if _, err := w.Execute(domain.RecordCommand{Kind: kind, Object: "company", ID: id, Data: data}, "api", NewRecordID(time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	behind := func() bool { head, _ := w.Store.Head(); return w.stateInt(searchSeqKey) < head }
	settle := func() {
		t.Helper()
		if err := w.SettleSearch(); err != nil {
			t.Fatal(err)
		}
		if behind() {
			t.Fatal("search_seq is behind the head after SettleSearch")
		}
	}
	find := func(text string, want ...string) {
		t.Helper()
		if got := searchIDs(t, db, w, "", text); !slices.Equal(got, want) {
			t.Fatalf("search %q: %v, want %v", text, got, want)
		}
	}

	acme := NewRecordID(time.Now())
	exec(domain.Create, acme, map[string]any{"name": "Acme"})
	if !behind() {
		t.Fatal("the create wrote its search entry: search_seq is at the head")
	}
	find("acme") // not yet
	settle()
	find("acme", acme)

	exec(domain.Update, acme, map[string]any{"name": "Globex"})
	find("globex")
	settle()
	find("globex", acme)
	find("acme")

	initech := NewRecordID(time.Now())
	exec(domain.Create, initech, map[string]any{"name": "Initech"})
	exec(domain.Destroy, initech, nil)
	exec(domain.Destroy, acme, nil)
	find("globex") // the destroy took the entry with it
	settle()
	find("initech")
	if rows, err := db.Exec(`SELECT COUNT(*) FROM company_fts_ids`); err != nil || rows.Int() != 0 {
		t.Fatalf("entries left for destroyed records: %v %v", rows, err)
	}

	hooli := NewRecordID(time.Now())
	exec(domain.Create, hooli, map[string]any{"name": "Hooli"})
	settle()
	from, _ := w.Store.Head()
	exec(domain.Update, hooli, map[string]any{"employees": 12})
	evs, err := w.Store.ReadFrom(from, 10)
	if err != nil {
		t.Fatal(err)
	}
	if stmts, err := projections.SearchStale(w.Schema(), evs); err != nil || len(stmts) != 0 {
		t.Fatalf("an update of no searchable field made entries stale: %v %v", stmts, err)
	}
	settle()

	// The layout before: the index whole, no search_seq.
	if _, err := db.Exec(`UPDATE _state SET value = 1 WHERE key = ?`, searchKey); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM _state WHERE key = ?`, searchSeqKey); err != nil {
		t.Fatal(err)
	}
	head, _ := w.Store.Head()
	if w, err = Open("search-log", db, time.Now); err != nil {
		t.Fatal(err)
	}
	if h, _ := w.Store.Head(); h != head || w.stateInt(searchSeqKey) != head || w.stateInt(searchKey) != searchVersion {
		t.Fatalf("after the upgrade: head %d (was %d), search_seq %d, layout %d", h, head, w.stateInt(searchSeqKey), w.stateInt(searchKey))
	}
	find("hooli", hooli)
}
