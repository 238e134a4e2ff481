package sqlitedb_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"edgecrm/sqldb"
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

// TestPlatformLimits: the native database refuses what the Durable
// Object's SQLite refuses (a sixth UNION term, a 101st bound parameter or
// result column) and takes what it takes, in a file database as in memory.
func TestPlatformLimits(t *testing.T) {
	file, err := sqlitedb.Open(filepath.Join(t.TempDir(), "limits.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, db := range map[string]sqldb.DB{"memory": sqlitedb.MustOpen(t), "file": file} {
		union := func(n int) string {
			terms := make([]string, n)
			for i := range terms {
				terms[i] = fmt.Sprint("SELECT ", i)
			}
			return strings.Join(terms, " UNION ALL ")
		}
		list := func(n int, item string) (string, []any) {
			items, args := make([]string, n), make([]any, n)
			for i := range items {
				items[i], args[i] = item, i
			}
			return strings.Join(items, ", "), args
		}
		params, args := list(sqldb.MaxParams, "?")
		over, overArgs := list(sqldb.MaxParams+1, "?")
		cols, _ := list(100, "1")
		wide, _ := list(101, "1")
		for _, c := range []struct {
			sql  string
			args []any
			ok   bool
		}{
			{union(5), nil, true}, {union(6), nil, false},
			{"SELECT " + params, args, true}, {"SELECT " + over, overArgs, false},
			{"SELECT " + cols, nil, true}, {"SELECT " + wide, nil, false},
		} {
			if _, err := db.Exec(c.sql, c.args...); (err == nil) != c.ok {
				t.Errorf("%s: %.60s…: error %v, want ok %v", name, c.sql, err, c.ok)
			}
		}
	}
}
