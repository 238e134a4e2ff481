package durable_test

import (
	"testing"
	"time"

	"edgecrm/durable"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// BenchmarkNewWorkspace opens a fresh workspace: DO migrations and the seed
// (standard objects, their default views), as a new workspace's first
// call does. It reports the statements and the bridge crossings (Exec or
// ExecBatch calls) per workspace: in workerd each crossing costs far more
// than the SQL behind it.
func BenchmarkNewWorkspace(b *testing.B) {
	var stmts, calls int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := sqlitedb.MustOpen(b)
		b.StartTimer()
		timed := &sqldb.Timed{DB: db}
		if err := db.Tx(func() error {
			_, err := durable.Open("ws", timed, time.Now)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		stmts += timed.Count
		calls += timed.Calls
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(stmts)/float64(b.N), "stmts/op")
	b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
}
