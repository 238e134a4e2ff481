package durable

import (
	"testing"
	"time"

	"edgecrm/sqldb/sqlitedb"
)

// A workspace whose tables predate an index of query.IndexDDL gets it on
// its next open, once; a new workspace starts with every index.
func TestMissingIndexesAreCreatedOnOpen(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	w, err := Open("old", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if v := w.stateInt(indexesKey); v != indexesVersion {
		t.Fatalf("a new workspace's %s is %d, want %d", indexesKey, v, indexesVersion)
	}
	has := func(name string) bool {
		rows, err := db.Exec(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, name)
		if err != nil {
			t.Fatal(err)
		}
		return rows.Int() == 1
	}
	for _, name := range []string{"opportunity__sel_stage", "opportunity__sort_stage_amountAmountMicros", "company__sort_employees", "task__sel_status"} {
		if !has(name) {
			t.Fatalf("a new workspace lacks %s", name)
		}
	}
	// A workspace from before those indexes.
	for _, q := range []string{`DROP INDEX "opportunity__sel_stage"`, `DROP INDEX "company__sort_employees"`, `DELETE FROM _state WHERE key = '` + indexesKey + `'`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if w, err = Open("old", db, time.Now); err != nil {
		t.Fatal(err)
	}
	if !has("opportunity__sel_stage") || !has("company__sort_employees") || w.stateInt(indexesKey) != indexesVersion {
		t.Fatalf("after the open: indexes %v %v, %s %d", has("opportunity__sel_stage"), has("company__sort_employees"), indexesKey, w.stateInt(indexesKey))
	}
}
