package events_test

import (
	"reflect"
	"testing"
	"time"

	"edgecrm/events"
	"edgecrm/sqldb/sqlitedb"
)

// An event's payload is decoded once however many copies read it (the
// projector, the real-time observer, the outbox), and again only when the
// payload is another (an upcast).
func TestFieldsDecodesOncePerEvent(t *testing.T) {
	ev, err := events.New("company.created", 1, time.Now(), "api", "c", map[string]any{"id": "r1", "data": map[string]any{"name": "A"}})
	if err != nil {
		t.Fatal(err)
	}
	same := func(a, b map[string]any) bool { return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() }
	copied := ev
	a, _ := ev.Fields()
	b, err := copied.Fields()
	if err != nil || !same(a, b) || a["id"] != "r1" {
		t.Fatalf("a copy decoded again: %v %v", b, err)
	}
	up, _ := events.New("company.created", 2, time.Now(), "api", "c", map[string]any{"id": "r2"})
	copied.Payload = up.Payload
	if c, _ := copied.Fields(); same(a, c) || c["id"] != "r2" {
		t.Fatalf("a changed payload served the old fields: %v", c)
	}
	// Events read back from a store are memoized as well.
	db := sqlitedb.MustOpen(t)
	s := &events.SQLStore{DB: db}
	if _, err := db.Exec(`CREATE TABLE _events (seq INTEGER PRIMARY KEY, id TEXT, type TEXT, schema_version INTEGER, at TEXT, actor TEXT, command_id TEXT, payload BLOB)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append([]events.Event{ev}); err != nil {
		t.Fatal(err)
	}
	read, err := s.ReadFrom(0, 1)
	if err != nil || len(read) != 1 {
		t.Fatal(err)
	}
	first, second := read[0], read[0]
	x, _ := first.Fields()
	if y, _ := second.Fields(); !same(x, y) || x["id"] != "r1" {
		t.Fatal("a read event decoded twice")
	}
}
