package events_test

import (
	"testing"

	"edgecrm/events"
	"edgecrm/events/storetest"
	"edgecrm/migrations"
	"edgecrm/sqldb/sqlitedb"
)

func TestSQLStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) events.Store {
		return &events.SQLStore{DB: sqlitedb.MustOpen(t, migrations.ApplyDO)}
	})
}

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) events.Store { return events.NewMemStore() })
}

func TestUpcast(t *testing.T) {
	events.RegisterUpcaster("test.renamed", 1, func(e events.Event) (events.Event, error) {
		e.SchemaVersion = 2
		e.Type = "test.renamed"
		return e, nil
	})
	e, err := events.Upcast(events.Event{Type: "test.renamed", SchemaVersion: 1})
	if err != nil || e.SchemaVersion != 2 {
		t.Fatalf("upcast = %+v, %v", e, err)
	}
}
