package sqlitedb_test

import (
	"testing"

	"edgecrm/sqldb/sqldbtest"
	"edgecrm/sqldb/sqlitedb"
)

func TestConformance(t *testing.T) {
	for _, f := range sqldbtest.Check(sqlitedb.MustOpen(t)) {
		t.Error(f)
	}
}

// Bench runs natively too (go test -run Bench -v prints the driver's own
// numbers) and leaves its table dropped.
func TestBench(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	cases, err := sqldbtest.Bench(db, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 4 || cases[1].Cells != 3000 || cases[3].Statements != 30 {
		t.Fatalf("cases %+v", cases)
	}
	for _, c := range cases {
		t.Logf("%s: %.0f ns/statement, %.0f ns/cell", c.Name, c.NsPerStatement, c.NsPerCell)
	}
	if rows, err := db.Exec("SELECT count(*) FROM sqlite_master WHERE name = '_sqldb_bench'"); err != nil || rows.Int() != 0 {
		t.Fatalf("scratch table left behind: %v %v", rows, err)
	}
}
