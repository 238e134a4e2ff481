package durable

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/projections"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// toLegacySearch puts db's search tables of w's objects (under prefix) in
// the layout before searchVersion 1: FTS rowids of their own (here in the
// records' id order, not their rowids'), given by "<table>_fts_ids" with a
// UNIQUE id. Every entry reads "legacy".
func toLegacySearch(t *testing.T, db sqldb.DB, w *Workspace, prefix string) {
	t.Helper()
	for _, o := range w.Schema().SortedObjects() {
		if !projections.Searchable(o) {
			continue
		}
		table := projections.Q(prefix + o.NameSingular)
		fts, ids := projections.Q(prefix+o.NameSingular+"_fts"), projections.Q(prefix+o.NameSingular+"_fts_ids")
		for _, q := range []string{
			"DROP TABLE " + fts,
			"DROP TABLE " + ids,
			"CREATE VIRTUAL TABLE " + fts + " USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
			"CREATE TABLE " + ids + " (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)",
			"INSERT INTO " + ids + " (id) SELECT id FROM " + table + " ORDER BY id DESC",
			"INSERT INTO " + fts + " (rowid, title, body) SELECT rid, 'legacy', '' FROM " + ids,
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
}

// searchIDs returns the record ids a search for text finds in db.
func searchIDs(t *testing.T, db sqldb.DB, w *Workspace, prefix, text string) []string {
	t.Helper()
	hits, err := projections.Search(db, w.Schema(), prefix, text, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.RecordID)
	}
	sort.Strings(out)
	return out
}

// TestSearchUpgrade: a workspace whose search tables have the layout
// before (the DO's and D1's) gets them rebuilt on its next open, once; D1
// projects the events it had not reached before the upgrade into its old
// tables without an error, then follows the rebuild.
func TestSearchUpgrade(t *testing.T) {
	db, d1 := sqlitedb.MustOpen(t), sqlitedb.MustOpen(t)
	w, err := Open("old-search", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	create := func(object, id string, data map[string]any) {
		if _, err := w.Execute(domain.RecordCommand{Kind: domain.Create, Object: object, ID: id, Data: data}, "api", "c-"+id); err != nil {
			t.Fatal(err)
		}
	}
	acme, ada, initech := NewRecordID(time.Now()), NewRecordID(time.Now()), NewRecordID(time.Now())
	create("company", acme, map[string]any{"name": "Acme"})
	create("person", ada, map[string]any{"name": map[string]any{"firstName": "Ada", "lastName": "Lovelace"}})
	// D1 has every event up to here; Initech's create is still in the outbox.
	reached, _ := w.Store.Head()
	logged, err := w.Store.ReadFrom(0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := w.d1Projection(0, logged)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldb.ExecAll(d1, stmts); err != nil {
		t.Fatal(err)
	}
	create("company", initech, map[string]any{"name": "Initech"})
	prefix := projections.D1Prefix(w.ID)
	toLegacySearch(t, db, w, "")
	toLegacySearch(t, d1, w, prefix)
	if _, err := db.Exec(fmt.Sprintf(`DELETE FROM _state WHERE key = '%s'`, searchKey)); err != nil {
		t.Fatal(err)
	}
	if rows, err := db.Exec(`SELECT count(*) FROM company_fts WHERE company_fts MATCH 'legacy'`); err != nil || rows.Int() != 2 {
		t.Fatalf("the legacy index: %v, %v", rows, err)
	}

	if w, err = Open("old-search", db, time.Now); err != nil {
		t.Fatal(err)
	}
	head, _ := w.Store.Head()
	if head <= reached+1 {
		t.Fatalf("the open appended no upgrade (head %d)", head)
	}
	check := func(where string, db sqldb.DB, prefix string) {
		t.Helper()
		if got, want := searchIDs(t, db, w, prefix, "acme initech"), []string(nil); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: acme initech finds %v", where, got)
		}
		for text, want := range map[string][]string{"acme": {acme}, "initech": {initech}, "lovelace": {ada}, "legacy": nil} {
			if got := searchIDs(t, db, w, prefix, text); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: %q finds %v, want %v", where, text, got, want)
			}
		}
		rows, err := db.Exec(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE '%\_fts\_ids' ESCAPE '\'`)
		if err != nil {
			t.Fatal(err)
		}
		if n := rows.Int(); n != 0 {
			t.Fatalf("%s: %d indexes left on the id tables", where, n)
		}
	}
	check("the object", db, "")

	// The outbox goes on from where D1 was: Initech's create, then the upgrade.
	tail, err := w.Store.ReadFrom(reached, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if stmts, err = w.d1Projection(reached, tail); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.ExecAll(d1, stmts); err != nil {
		t.Fatalf("D1 follows the upgrade: %v", err)
	}
	check("D1", d1, prefix)

	// Once: the next open appends nothing.
	if w, err = Open("old-search", db, time.Now); err != nil {
		t.Fatal(err)
	}
	if again, _ := w.Store.Head(); again != head {
		t.Fatalf("a second open appended %d events", again-head)
	}
	// A replay projects the reindex events as the rebuild's own index.
	if err := db.Tx(func() error { _, _, err := w.Replay(); return err }); err != nil {
		t.Fatal(err)
	}
	check("the object after a replay", db, "")
	// A new workspace starts in the current layout, without an upgrade.
	fresh, err := Open("new-search", sqlitedb.MustOpen(t), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.stateInt(searchKey) != searchVersion {
		t.Fatalf("a new workspace: search layout %d", fresh.stateInt(searchKey))
	}
}
