package durable

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/sqldb/sqlitedb"
)

// TestD1ProjectionOfTheTailIsOfTheLog: the D1 statements of events the
// commands just appended (the log's tail, carrying the inline projection's
// rows) are those of the same events read from the log: a batch create, a
// lone create with a relation, an update.
func TestD1ProjectionOfTheTailIsOfTheLog(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	w, err := Open("tail-d1", db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := w.Store.Head()
	var cmds []domain.RecordCommand
	for i := 0; i < 30; i++ {
		cmds = append(cmds, domain.RecordCommand{Kind: domain.Create, Object: "person", ID: NewRecordID(time.Now()),
			Data: map[string]any{"name": map[string]any{"firstName": fmt.Sprint("P", i), "lastName": "L"}, "city": "Paris", "emails": map[string]any{"primaryEmail": fmt.Sprintf("p%d@x.com", i)}}})
	}
	if _, err := w.ExecuteCreates(cmds, "api", "c1"); err != nil {
		t.Fatal(err)
	}
	company := NewRecordID(time.Now())
	if _, err := w.Execute(domain.RecordCommand{Kind: domain.Create, Object: "company", ID: company, Data: map[string]any{"name": "Acme", "employees": 3}}, "api", "c2"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Execute(domain.RecordCommand{Kind: domain.Update, Object: "person", ID: cmds[0].ID, Data: map[string]any{"companyId": company}}, "api", "c3"); err != nil {
		t.Fatal(err)
	}
	tail, err := w.Store.ReadFrom(from, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(tail) < 32 || tail[0].Derived() == nil {
		t.Fatalf("%d events from the tail, the first carrying %v: the test does not read the tail", len(tail), tail[0].Derived())
	}
	logged, err := (&events.SQLStore{DB: db}).ReadFrom(from, 1000)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.d1Projection(from, tail)
	if err != nil {
		t.Fatal(err)
	}
	want, err := w.d1Projection(from, logged)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("from the tail:\n%v\nfrom the log:\n%v", got, want)
	}
}
