package projections_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// A batch of creates projected in bulk (ApplyAll: multi-row inserts, the
// timeline's activities copied from the first, search rows for more than
// a hundred ids in one statement) leaves the same rows and search entries
// as projecting the events one by one.
func TestBulkCreateMatchesApply(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var meta, batch []events.Event
	add := func(log *[]events.Event, typ, actor string, payload any) {
		ev, err := events.New(typ, 1, t0, actor, "c", payload)
		if err != nil {
			t.Fatal(err)
		}
		ev.Seq = int64(len(meta) + len(batch) + 1)
		*log = append(*log, ev)
	}
	for _, o := range domain.StandardObjects() {
		add(&meta, domain.EventObjectCreated, "system", domain.ObjectCreated{Object: o})
	}
	const member = "0190aaaa-0000-7000-8000-0000000000aa"
	at, actor := t0, member
	for i := 0; i < 150; i++ { // more than one statement's parameters
		// Three requests' batches in one run, as the outbox projects them
		// to D1: another time, then another actor.
		if i == 50 {
			at = t0.Add(time.Millisecond)
		} else if i == 100 {
			actor = "api"
		}
		id := fmt.Sprintf("0190aaaa-0000-7000-8000-%012d", i)
		add(&batch, "company.created", actor, domain.RecordCreated{ID: id, Data: map[string]any{"name": fmt.Sprint("Acme ", i), "employees": float64(i)}})
		batch[len(batch)-1].Time = at
	}
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("0190bbbb-0000-7000-8000-%012d", i)
		add(&batch, "person.created", "api", domain.RecordCreated{ID: id, Data: map[string]any{"city": "Paris",
			"name": map[string]any{"firstName": fmt.Sprint("P", i)}, "companyId": fmt.Sprintf("0190aaaa-0000-7000-8000-%012d", i)}})
	}
	dump := func(bulk bool) map[string][]map[string]any {
		db := sqlitedb.MustOpen(t)
		if _, err := db.Exec(projections.ObjectsTableDDL("")); err != nil {
			t.Fatal(err)
		}
		p := &projections.Projector{Schema: &domain.Schema{}}
		for _, ev := range meta {
			st, err := p.Apply(ev)
			if err != nil {
				t.Fatal(err)
			}
			if err := sqldb.ExecAll(db, st); err != nil {
				t.Fatal(err)
			}
		}
		var st [][]host.Statement
		if bulk {
			s, err := p.ApplyAll(batch)
			if err != nil {
				t.Fatal(err)
			}
			st = append(st, s)
		} else {
			for _, ev := range batch {
				s, err := p.Apply(ev)
				if err != nil {
					t.Fatal(err)
				}
				st = append(st, s)
			}
		}
		for _, s := range st {
			if err := sqldb.ExecAll(db, s); err != nil {
				t.Fatal(err)
			}
		}
		out := map[string][]map[string]any{}
		for _, table := range []string{"company", "person", "timelineActivity"} {
			rows, err := db.Exec(fmt.Sprintf(`SELECT * FROM %s ORDER BY id`, projections.Q(table)))
			if err != nil {
				t.Fatal(err)
			}
			out[table] = rows.Maps()
		}
		for _, table := range []string{"company", "person"} {
			rows, err := db.Exec(fmt.Sprintf(`SELECT i.id, f.title, f.body, coalesce(t.id = i.id, 0) AS "linked" FROM %s AS f LEFT JOIN %s AS i ON i.rid = f.rowid LEFT JOIN %s AS t ON t._rowid_ = f.rowid ORDER BY i.id`,
				projections.Q(projections.FTSTable(table)), projections.Q(projections.FTSIDsTable(table)), projections.Q(table)))
			if err != nil {
				t.Fatal(err)
			}
			out[table+" search"] = rows.Maps()
			for _, m := range out[table+" search"] {
				if sqldb.AsInt(m["linked"]) != 1 {
					t.Fatalf("%s: the entry of %v is not at its record's rowid", table, m["id"])
				}
			}
		}
		return out
	}
	one, bulk := dump(false), dump(true)
	if len(one["timelineActivity"]) != 155 || len(one["company search"]) != 150 {
		t.Fatalf("%d activities and %d companies indexed, want 155 and 150", len(one["timelineActivity"]), len(one["company search"]))
	}
	if !reflect.DeepEqual(one, bulk) {
		t.Fatalf("bulk projection differs:\n%v\n%v", one, bulk)
	}
}

// StoredRow converts as SQLite's affinity stores values and refuses what
// might read back otherwise.
func TestStoredRow(t *testing.T) {
	obj := &domain.Object{NameSingular: "thing", Searchable: []string{"name", "score"}, Fields: []*domain.Field{
		{Name: "id", Type: domain.TypeUUID}, {Name: "name", Type: domain.TypeText}, {Name: "score", Type: domain.TypeNumber},
		{Name: "amount", Type: domain.TypeNumber}, {Name: "done", Type: domain.TypeBoolean}}}
	for _, c := range []struct {
		row  map[string]any
		want map[string]any // nil: refused
	}{
		{map[string]any{"id": "a", "name": "x", "amount": int64(3), "done": int64(1), "_version": int64(1)},
			map[string]any{"id": "a", "name": "x", "amount": float64(3), "done": int64(1), "_version": int64(1)}},
		{map[string]any{"id": "a", "score": 2.5, "_version": int64(1)}, map[string]any{"id": "a", "score": 2.5, "_version": int64(1)}},
		{map[string]any{"id": "a", "score": 2.0, "_version": int64(1)}, nil}, // searchable: the bridge reads 2
		{map[string]any{"id": "a", "amount": 0.30000000000000004, "_version": int64(1)}, nil},
		{map[string]any{"id": "a", "name": 5.0, "_version": int64(1)}, nil},
		{map[string]any{"id": "a", "amount": "5", "_version": int64(1)}, nil},
		{map[string]any{"id": "a\x00", "_version": int64(1)}, nil},
	} {
		got, ok := projections.StoredRow(obj, c.row)
		if c.want == nil && ok || c.want != nil && !reflect.DeepEqual(got, c.want) {
			t.Errorf("StoredRow(%v) = %v, %v; want %v", c.row, got, ok, c.want)
		}
	}
}
