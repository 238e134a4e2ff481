package projections_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/projections"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// metaLog builds a log through the domain and projects each event, as it
// is appended, into two sinks: inline (no prefix) and a D1-style prefix.
type metaLog struct {
	t      *testing.T
	store  *events.MemStore
	schema *domain.Schema
	ids    int
	sinks  []*sink
	now    time.Time
}

type sink struct {
	db     *sqlitedb.DB
	prefix string
	p      *projections.Projector
}

func newMetaLog(t *testing.T) *metaLog {
	t.Helper()
	l := &metaLog{t: t, store: events.NewMemStore(), schema: &domain.Schema{}, now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, prefix := range []string{"", "w_acme_"} {
		db := sqlitedb.MustOpen(t)
		if _, err := db.Exec(projections.ObjectsTableDDL(prefix)); err != nil {
			t.Fatal(err)
		}
		l.sinks = append(l.sinks, &sink{db: db, prefix: prefix, p: &projections.Projector{Prefix: prefix, Schema: &domain.Schema{}}})
	}
	var seed []domain.Change
	for _, o := range domain.StandardObjects() {
		seed = append(seed, domain.Change{Type: domain.EventObjectCreated, Payload: domain.ObjectCreated{Object: o}})
	}
	l.append(seed)
	return l
}

func (l *metaLog) newID() string {
	l.ids++
	return fmt.Sprintf("01900000-0000-7000-8000-%012d", l.ids)
}

func (l *metaLog) append(changes []domain.Change) {
	l.t.Helper()
	for _, c := range changes {
		l.now = l.now.Add(time.Second)
		ev, err := events.New(c.Type, 1, l.now, "api", "cmd", c.Payload)
		if err != nil {
			l.t.Fatal(err)
		}
		evs, err := l.store.Append([]events.Event{ev})
		if err != nil {
			l.t.Fatal(err)
		}
		if domain.IsMetadataEvent(c.Type) {
			if l.schema, err = domain.ApplyMetadata(l.schema, c.Type, c.Payload); err != nil {
				l.t.Fatal(err)
			}
		}
		for _, s := range l.sinks {
			stmts, err := s.p.Apply(evs[0])
			if err != nil {
				l.t.Fatalf("project %s into %q: %v", c.Type, s.prefix, err)
			}
			if err := sqldb.ExecAll(s.db, stmts); err != nil {
				l.t.Fatalf("project %s into %q: %v", c.Type, s.prefix, err)
			}
		}
	}
}

func (l *metaLog) meta(cmd domain.MetadataCommand) []domain.Change {
	l.t.Helper()
	changes, err := domain.DecideMetadata(l.schema, cmd, l.newID)
	if err != nil {
		l.t.Fatalf("%T: %v", cmd, err)
	}
	l.append(changes)
	return changes
}

func (l *metaLog) record(object, action string, payload any) {
	l.t.Helper()
	l.append([]domain.Change{{Type: domain.EventType(object, action), Payload: payload}})
}

// dump describes a sink: every table's columns, rows and indexes, with the
// prefix stripped so that sinks compare.
func dump(t *testing.T, db sqldb.DB, prefix string) map[string]any {
	t.Helper()
	out := map[string]any{}
	rows, err := db.Exec(`SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE name LIKE ? AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts_%' ORDER BY name`, prefix+"%")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows.Values {
		typ, name, sql := sqldb.AsString(r[0]), sqldb.AsString(r[1]), sqldb.AsString(r[2])
		if prefix == "" && strings.HasPrefix(name, "w_") {
			continue
		}
		key := typ + " " + strings.TrimPrefix(name, prefix)
		if typ == "index" {
			out[key] = strings.ReplaceAll(sql, prefix, "")
			continue
		}
		cols, err := db.Exec(fmt.Sprintf("SELECT name, type FROM pragma_table_info('%s') ORDER BY cid", name))
		if err != nil {
			t.Fatal(err)
		}
		data, err := db.Exec(fmt.Sprintf(`SELECT * FROM %s ORDER BY 1`, projections.Q(name)))
		if err != nil {
			t.Fatal(err)
		}
		out[key] = []any{cols.Values, data.Maps()}
	}
	return out
}

func columnsOf(t *testing.T, db sqldb.DB, table string) []string {
	t.Helper()
	rows, err := db.Exec(fmt.Sprintf("SELECT name FROM pragma_table_info('%s') ORDER BY cid", table))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows.Values {
		out = append(out, sqldb.AsString(r[0]))
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMetadataEventsProjectAndReplayIdentically(t *testing.T) {
	l := newMetaLog(t)
	inline := l.sinks[0].db
	company := l.schema.Object("company")

	l.meta(domain.CreateObject{NameSingular: "house", NamePlural: "houses", LabelSingular: "House", LabelPlural: "Houses"})
	house := l.schema.Object("house")
	const h1, c1 = "01900000-0000-7000-8000-aaaaaaaaaaa1", "01900000-0000-7000-8000-cccccccccccc"
	l.record("house", domain.ActionCreated, domain.RecordCreated{ID: h1, Data: map[string]any{"name": "Villa"}})
	l.record("company", domain.ActionCreated, domain.RecordCreated{ID: c1, Data: map[string]any{"name": "Acme"}})

	steps := []struct {
		name  string
		cmd   func() domain.MetadataCommand
		check func(t *testing.T)
	}{
		{"number field with a default backfills existing rows", func() domain.MetadataCommand {
			return domain.CreateField{ObjectID: house.ID, Name: "floors", Label: "Floors", Type: domain.TypeNumber, DefaultValue: 2}
		}, func(t *testing.T) {
			rows, _ := inline.Exec(`SELECT floors FROM house WHERE id = ?`, h1)
			if rows.Values[0][0] != float64(2) {
				t.Fatalf("floors of an existing house: %v", rows.Values[0][0])
			}
		}},
		{"composite field adds one column per subfield", func() domain.MetadataCommand {
			return domain.CreateField{ObjectID: house.ID, Name: "price", Label: "Price", Type: domain.TypeCurrency,
				DefaultValue: map[string]any{"amountMicros": nil, "currencyCode": "EUR"}}
		}, func(t *testing.T) {
			cols := columnsOf(t, inline, "house")
			if !has(cols, "priceAmountMicros") || !has(cols, "priceCurrencyCode") {
				t.Fatalf("columns %v", cols)
			}
			rows, _ := inline.Exec(`SELECT priceCurrencyCode, priceAmountMicros FROM house`)
			if rows.Values[0][0] != "EUR" || rows.Values[0][1] != nil {
				t.Fatalf("backfill %v", rows.Values[0])
			}
		}},
		{"a now default backfills the time of the change", func() domain.MetadataCommand {
			return domain.CreateField{ObjectID: house.ID, Name: "listedAt", Label: "Listed", Type: domain.TypeDateTime, DefaultValue: "now"}
		}, func(t *testing.T) {
			rows, _ := inline.Exec(`SELECT listedAt FROM house`)
			if want := l.now.Format(projections.TimeLayout); rows.Values[0][0] != want {
				t.Fatalf("listedAt %v, want %s", rows.Values[0][0], want)
			}
		}},
		{"relation adds the join column and its index", func() domain.MetadataCommand {
			return domain.CreateField{ObjectID: house.ID, Name: "owner", Label: "Owner", Type: domain.TypeRelation,
				Relation: &domain.RelationInput{TargetObjectID: company.ID, TargetFieldLabel: "Houses", Type: domain.ManyToOne}}
		}, func(t *testing.T) {
			rows, _ := inline.Exec(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'house' AND sql LIKE '%"ownerId"%'`)
			if rows.Int() == 0 {
				t.Fatal("no index on house.ownerId")
			}
			objs, _ := inline.Exec(`SELECT body FROM _objects WHERE name = 'company'`)
			if !strings.Contains(sqldb.AsString(objs.Values[0][0]), `"houses"`) {
				t.Fatal("_objects row of company lacks the inverse field")
			}
		}},
		{"rename keeps data", func() domain.MetadataCommand {
			l.record("house", domain.ActionUpdated, domain.RecordUpdated{ID: h1, Changes: map[string]any{"ownerId": c1, "floors": 3}})
			return domain.UpdateField{ID: l.schema.Object("house").Field("floors").ID, Set: domain.FieldPatch{Name: ptr("levels")}}
		}, func(t *testing.T) {
			rows, _ := inline.Exec(`SELECT levels, ownerId FROM house`)
			if rows.Values[0][0] != float64(3) || rows.Values[0][1] != c1 {
				t.Fatalf("after rename %v", rows.Values)
			}
		}},
		{"renaming a relation renames the join column and index", func() domain.MetadataCommand {
			return domain.UpdateField{ID: l.schema.Object("house").Field("owner").ID, Set: domain.FieldPatch{Name: ptr("holder")}}
		}, func(t *testing.T) {
			rows, _ := inline.Exec(`SELECT holderId FROM house`)
			if rows.Values[0][0] != c1 {
				t.Fatalf("holderId %v", rows.Values)
			}
			idx, _ := inline.Exec(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'house' AND name LIKE '%ownerId%'`)
			if idx.Int() != 0 {
				t.Fatal("index under the old name left behind")
			}
		}},
		{"select field then delete it", func() domain.MetadataCommand {
			l.meta(domain.CreateField{ObjectID: house.ID, Name: "style", Label: "Style", Type: domain.TypeSelect,
				Options: []domain.SelectOption{{Value: "MODERN", Label: "Modern"}}})
			return domain.DeleteField{ID: l.schema.Object("house").Field("style").ID}
		}, func(t *testing.T) {
			if has(columnsOf(t, inline, "house"), "style") {
				t.Fatal("style column left")
			}
		}},
		{"deleting a relation drops the indexed join column", func() domain.MetadataCommand {
			return domain.DeleteField{ID: l.schema.Object("company").Field("houses").ID}
		}, func(t *testing.T) {
			if has(columnsOf(t, inline, "house"), "holderId") {
				t.Fatal("holderId left")
			}
		}},
		{"object update rewrites its _objects row", func() domain.MetadataCommand {
			return domain.UpdateObject{ID: house.ID, Set: domain.ObjectPatch{LabelPlural: ptr("Homes")}}
		}, func(t *testing.T) {
			objs, _ := inline.Exec(`SELECT body FROM _objects WHERE name = 'house'`)
			if !strings.Contains(sqldb.AsString(objs.Values[0][0]), `"labelPlural":"Homes"`) {
				t.Fatal("_objects row not updated")
			}
		}},
		{"deleting the object drops its table, search tables and relations", func() domain.MetadataCommand {
			return domain.DeleteObject{ID: house.ID}
		}, func(t *testing.T) {
			rows, _ := inline.Exec(`SELECT count(*) FROM sqlite_master WHERE name LIKE 'house%'`)
			if rows.Int() != 0 {
				t.Fatal("house tables left")
			}
			if has(columnsOf(t, inline, "noteTarget"), "houseId") {
				t.Fatal("noteTarget.houseId left")
			}
			objs, _ := inline.Exec(`SELECT count(*) FROM _objects WHERE name = 'house'`)
			if objs.Int() != 0 {
				t.Fatal("_objects row left")
			}
		}},
		{"an object of the same name can come back", func() domain.MetadataCommand {
			return domain.CreateObject{NameSingular: "house", NamePlural: "houses", LabelSingular: "House", LabelPlural: "Houses"}
		}, func(t *testing.T) {
			rows, _ := inline.Exec(`SELECT count(*) FROM house`)
			if rows.Int() != 0 {
				t.Fatal("old rows came back")
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			l.meta(st.cmd())
			st.check(t)
			a, b := dump(t, l.sinks[0].db, ""), dump(t, l.sinks[1].db, "w_acme_")
			if !reflect.DeepEqual(a, b) {
				for k := range a {
					if !reflect.DeepEqual(a[k], b[k]) {
						t.Errorf("sinks differ at %s:\n%v\n%v", k, a[k], b[k])
					}
				}
				for k := range b {
					if _, ok := a[k]; !ok {
						t.Errorf("only the prefixed sink has %s", k)
					}
				}
				t.FailNow()
			}
			if a, b := jsonOf(l.sinks[0].p.Schema), jsonOf(l.schema); a != b {
				t.Fatal("the projector's schema is not the domain's")
			}
		})
	}

	// Replay from scratch, twice, into each sink: identical tables.
	for _, s := range l.sinks {
		before := dump(t, s.db, s.prefix)
		for i := 0; i < 2; i++ {
			schema, _, err := projections.Rebuild(s.db, l.store, s.prefix)
			if err != nil {
				t.Fatalf("rebuild %q: %v", s.prefix, err)
			}
			if after := dump(t, s.db, s.prefix); !reflect.DeepEqual(before, after) {
				t.Fatalf("rebuild %d of %q changed the sink:\n%v\n%v", i, s.prefix, before, after)
			}
			if len(schema.Objects) != len(l.schema.Objects) {
				t.Fatalf("rebuilt schema has %d objects, want %d", len(schema.Objects), len(l.schema.Objects))
			}
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func ptr[T any](v T) *T { return &v }

func TestMetadataDDLNoChangeNoStatements(t *testing.T) {
	s := &domain.Schema{Objects: domain.StandardObjects()}
	stmts, err := projections.MetadataDDL("", s, &domain.Schema{Objects: append([]*domain.Object(nil), s.Objects...)}, time.Now())
	if err != nil || len(stmts) != 0 {
		t.Fatalf("%v %v", stmts, err)
	}
}
