package sqldbtest

import (
	"fmt"
	"time"

	"edgecrm/host"
	"edgecrm/sqldb"
)

// benchTable is the scratch table Bench fills and drops again.
const benchTable = "_sqldb_bench"

// BenchCase is one kind of statement Bench timed.
type BenchCase struct {
	Name           string  `json:"name"`
	Statements     int     `json:"statements"`
	Cells          int     `json:"cells"` // values returned, in all
	TotalMs        float64 `json:"totalMs"`
	NsPerStatement float64 `json:"nsPerStatement"`
	NsPerCell      float64 `json:"nsPerCell,omitempty"`
}

// Bench times n statements of each kind through db: a one-row select, a
// 100-row × 10-column select, a 10-parameter insert, and inserts sent ten
// at a time through sqldb.ExecAll. Inside a Durable Object it measures the
// bridge (cmd/worker/jsdb.go) with SQLite's own work; natively, the driver.
// It leaves nothing behind in db.
func Bench(db sqldb.DB, n int) ([]BenchCase, error) {
	cols := `k INTEGER PRIMARY KEY, name TEXT, email TEXT, n1 INTEGER, r1 REAL, city TEXT, n2 INTEGER, data BLOB, note TEXT, n3 INTEGER`
	if _, err := db.Exec("DROP TABLE IF EXISTS " + benchTable); err != nil {
		return nil, err
	}
	if _, err := db.Exec("CREATE TABLE " + benchTable + " (" + cols + ")"); err != nil {
		return nil, err
	}
	defer db.Exec("DROP TABLE IF EXISTS " + benchTable)
	const insert = "INSERT INTO " + benchTable + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	row := func(k int) []any {
		return []any{int64(k), fmt.Sprintf("Company %d", k), fmt.Sprintf("contact%d@example.com", k), int64(k * 7), float64(k) + 0.5,
			"Paris", int64(k % 3), []byte{byte(k), 1, 2, 3}, "a note of some length, as CRM records have", int64(-k)}
	}
	for k := 1; k <= 100; k++ {
		if _, err := db.Exec(insert, row(k)...); err != nil {
			return nil, err
		}
	}
	var out []BenchCase
	timeIt := func(name string, stmts int, f func(i int) (cells int, err error)) error {
		c := BenchCase{Name: name, Statements: stmts}
		start := time.Now()
		for i := 0; i < n; i++ {
			cells, err := f(i)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			c.Cells += cells
		}
		d := time.Since(start)
		c.Statements *= n
		c.TotalMs = float64(d.Microseconds()) / 1000
		c.NsPerStatement = float64(d.Nanoseconds()) / float64(c.Statements)
		if c.Cells > 0 {
			c.NsPerCell = float64(d.Nanoseconds()) / float64(c.Cells)
		}
		out = append(out, c)
		return nil
	}
	cells := func(r *sqldb.Rows, err error) (int, error) {
		if err != nil {
			return 0, err
		}
		return len(r.Values) * len(r.Columns), nil
	}
	if err := timeIt("select 1 row × 10 columns by key", 1, func(i int) (int, error) {
		return cells(db.Exec("SELECT * FROM "+benchTable+" WHERE k = ?", int64(i%100+1)))
	}); err != nil {
		return nil, err
	}
	if err := timeIt("select 100 rows × 10 columns", 1, func(int) (int, error) {
		return cells(db.Exec("SELECT * FROM " + benchTable + " ORDER BY k"))
	}); err != nil {
		return nil, err
	}
	next := 1000
	if err := timeIt("insert 1 row × 10 parameters", 1, func(int) (int, error) {
		next++
		return cells(db.Exec(insert, row(next)...))
	}); err != nil {
		return nil, err
	}
	if err := timeIt("insert 10 rows through sqldb.ExecAll", 10, func(int) (int, error) {
		stmts := make([]host.Statement, 10)
		for j := range stmts {
			next++
			stmts[j] = host.Statement{SQL: insert, Args: row(next)}
		}
		return 0, sqldb.ExecAll(db, stmts)
	}); err != nil {
		return nil, err
	}
	return out, nil
}
