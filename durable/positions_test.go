package durable_test

import (
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/sqldb/sqlitedb"
)

// Positions reads the lowest and highest numeric position (integers and
// reals alike); NULL and text positions (an import may hold them) are
// not numbers and count for neither end.
func TestPositionsReadNumbersOnly(t *testing.T) {
	db, err := sqlitedb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	w := openWS(t, db)
	if r, err := w.Positions("company"); err != nil || r.Any {
		t.Fatalf("empty: %+v %v", r, err)
	}
	for i, pos := range []any{nil, "zzz", "-100 apples", int64(3), 2.5, -1.25, nil} {
		if _, err := db.Exec(`INSERT INTO company (id, name, position) VALUES (?, 'c', ?)`, durable.NewRecordID(time.Now()), pos); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	r, err := w.Positions("company")
	if err != nil || r != (domain.PositionRange{Min: -1.25, Max: 3, Any: true}) {
		t.Fatalf("got %+v %v", r, err)
	}
	if r, err := w.Positions("noSuchObject"); err != nil || r.Any {
		t.Fatalf("unknown object: %+v %v", r, err)
	}
}
