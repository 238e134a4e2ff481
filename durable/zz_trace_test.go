package durable_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"edgecrm/durable"
	"edgecrm/host"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

type tracer struct {
	db *sqlitedb.DB
	by map[string]time.Duration
	n  map[string]int
}

func (t tracer) Exec(q string, args ...any) (*sqldb.Rows, error) {
	f := strings.Fields(q)
	k := strings.Join(f[:min(3, len(f))], " ")
	if strings.HasPrefix(k, "--") {
		k = "migration"
	}
	t0 := time.Now()
	r, err := t.db.Exec(q, args...)
	t.by[k] += time.Since(t0)
	t.n[k]++
	return r, err
}
func (t tracer) ExecBatch(stmts []host.Statement) (int, error) {
	for i, s := range stmts {
		if _, err := t.Exec(s.SQL, s.Args...); err != nil {
			return i, err
		}
	}
	return 0, nil
}

func TestTraceSeed(t *testing.T) {
	tr := tracer{nil, map[string]time.Duration{}, map[string]int{}}
	for i := 0; i < 10; i++ {
		db := sqlitedb.MustOpen(t)
		tr.db = db
		db.Tx(func() error { _, err := durable.Open("ws", tr, time.Now); return err })
	}
	for k, d := range tr.by {
		fmt.Printf("%-40s %4d %v\n", k, tr.n[k]/10, d/10)
	}
}
