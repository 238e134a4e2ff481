package durable_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/sqldb/sqlitedb"
)

func openWS(t *testing.T, db *sqlitedb.DB) *durable.Workspace {
	t.Helper()
	w, err := durable.Open("acme", db, func() time.Time { return time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func objectCmd(name string) domain.CreateObject {
	return domain.CreateObject{NameSingular: name, NamePlural: name + "s", LabelSingular: name, LabelPlural: name + "s"}
}

// A metadata change that is rolled back must not leave its schema in the
// per-isolate cache: the next change reuses the same sequence numbers.
func TestRolledBackMetadataDoesNotPoisonTheSchemaCache(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	openWS(t, db).Schema() // seed and cache
	errRollback := errors.New("rollback")
	err := db.Tx(func() error {
		w := openWS(t, db)
		if _, err := w.ExecuteMetadata(objectCmd("house"), "api", "c1"); err != nil {
			return err
		}
		if w.Schema().Object("house") == nil {
			t.Error("house not visible inside its own transaction")
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	err = db.Tx(func() error {
		w := openWS(t, db)
		_, err := w.ExecuteMetadata(objectCmd("boat"), "api", "c2")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s := openWS(t, db).Schema()
	if s.Object("house") != nil || s.Object("boat") == nil {
		t.Fatalf("schema after rollback then commit: house=%v boat=%v", s.Object("house") != nil, s.Object("boat") != nil)
	}
}

// SchemaAt gives the schema of an earlier sequence number, rebuilt from the
// metadata events, and the current schema at the head.
func TestSchemaAt(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	w := openWS(t, db)
	seeded, _ := w.Store.Head()
	evs, err := w.ExecuteMetadata(objectCmd("house"), "api", "c1")
	if err != nil {
		t.Fatal(err)
	}
	afterHouse := evs[len(evs)-1].Seq
	house := openWS(t, db).Schema().Object("house")
	if _, err := openWS(t, db).ExecuteMetadata(domain.CreateField{ObjectID: house.ID, Name: "floors", Label: "Floors", Type: domain.TypeNumber}, "api", "c2"); err != nil {
		t.Fatal(err)
	}
	w = openWS(t, db)
	cases := []struct {
		seq         int64
		house, floo bool
	}{{seeded, false, false}, {afterHouse, true, false}, {afterHouse + 1, true, true}}
	for _, c := range cases {
		s, err := w.SchemaAt(c.seq)
		if err != nil {
			t.Fatal(err)
		}
		h := s.Object("house")
		if (h != nil) != c.house || c.house && (h.Field("floors") != nil) != c.floo {
			t.Errorf("SchemaAt(%d): house=%v floors=%v", c.seq, h != nil, h != nil && h.Field("floors") != nil)
		}
	}
	// Rebuilt from the log, the schema at the head equals the projected one.
	rebuilt, err := w.SchemaAt(afterHouse) // slow path (a later metadata event exists)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := w.SchemaAt(afterHouse + 1) // fast path
	if len(rebuilt.Objects) != len(s.Objects) {
		t.Fatalf("objects %d vs %d", len(rebuilt.Objects), len(s.Objects))
	}
	a, _ := json.Marshal(rebuilt.Object("company"))
	b, _ := json.Marshal(s.Object("company"))
	if string(a) != string(b) {
		t.Fatal("company differs between the rebuilt and the projected schema")
	}
	// The metadata events are found through the partial index.
	plan, err := db.Exec(`EXPLAIN QUERY PLAN SELECT seq FROM _events WHERE type IN ('object.created', 'object.updated', 'object.deleted', 'field.created', 'field.updated', 'field.deleted', 'index.created', 'index.deleted') AND seq <= 5`)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(plan.Values); !json.Valid(got) || !contains(string(got), "_events_metadata_v2") {
		t.Errorf("query plan does not use the metadata index: %s", got)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
