// Package corebench times the Go work of a batch create without SQLite, so
// it runs the same natively and inside wasm (under node:
// `GOOS=js GOARCH=wasm go test ./tests/corebench -bench . -exec "$(go env GOROOT)/lib/wasm/go_js_wasm_exec"`):
// the request body's decode, the events' encoding, their projection into
// statements and the statements' encoding for the SQL bridge.
package corebench

import (
	"encoding/json"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/projections"
	"edgecrm/sqldb/wire"
	"edgecrm/tests/benchdata"
)

// BenchmarkProjectBatch: one batch of benchdata.LoadBatch people, as the
// bench's load sends them.
func BenchmarkProjectBatch(b *testing.B) {
	d := benchdata.Generate(0.01)
	body, _ := json.Marshal(d.People[:benchdata.LoadBatch])
	p := &projections.Projector{Schema: &domain.Schema{Objects: domain.StandardObjects()}}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var recs []map[string]any
		if err := json.Unmarshal(body, &recs); err != nil {
			b.Fatal(err)
		}
		evs := make([]events.Event, len(recs))
		for j, r := range recs {
			ev, err := events.New("person.created", 1, at, "api", "cmd", domain.RecordCreated{ID: r["id"].(string), Data: r})
			if err != nil {
				b.Fatal(err)
			}
			ev.Seq = int64(j + 1)
			evs[j] = ev
		}
		st, err := p.ApplyAll(evs)
		if err != nil {
			b.Fatal(err)
		}
		buf = wire.AppendBatchHeader(buf[:0], len(st))
		for _, s := range st {
			if buf, err = wire.AppendStatement(buf, 1, s.Args); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*benchdata.LoadBatch)/b.Elapsed().Seconds(), "events/s")
}
