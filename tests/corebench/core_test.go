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

	"edgecrm/api/rest"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/sqldb"
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

// BenchmarkBatchCreate: the Go work of one REST batch create of
// benchdata.LoadBatch people, as the object does it, with the SQL replaced
// by its encoding for the bridge (wireDB): the body's decode (the REST
// decoder), ids, domain.Decide, the events, the log append, the bulk
// projection (rows, search, timeline) and the answer rendered from the
// projected rows (StoredRow, then RecordJSON, as REST's depth 0 does).
func BenchmarkBatchCreate(b *testing.B) {
	d := benchdata.Generate(0.01)
	body, _ := json.Marshal(d.People[:benchdata.LoadBatch])
	schema := &domain.Schema{Objects: domain.StandardObjects()}
	obj := schema.Object("person")
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := &wireDB{}
	st := fakeState{schema: schema, creating: "person"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		items, err := rest.DecodeBatch(string(body))
		if err != nil {
			b.Fatal(err)
		}
		var changes []domain.Change
		ids := make([]string, len(items))
		for j, data := range items {
			if ids[j], _ = data["id"].(string); ids[j] == "" {
				ids[j] = durable.NewRecordID(at)
			}
			ch, err := domain.Decide(st, domain.RecordCommand{Kind: domain.Create, Object: "person", ID: ids[j], Data: data})
			if err != nil {
				b.Fatal(err)
			}
			changes = append(changes, ch...)
		}
		evs, err := stream.Events(changes, at, "api", "cmd")
		if err != nil {
			b.Fatal(err)
		}
		if evs, err = (&events.SQLStore{DB: db}).Append(evs); err != nil {
			b.Fatal(err)
		}
		p := &projections.Projector{Schema: schema, Created: map[string]map[string]any{}}
		stmts, err := p.ApplyAll(evs)
		if err != nil {
			b.Fatal(err)
		}
		if err := sqldb.ExecAll(db, stmts); err != nil {
			b.Fatal(err)
		}
		rows := make([]map[string]any, len(ids))
		for j, id := range ids {
			row, ok := projections.StoredRow(obj, p.Created[id])
			if !ok {
				b.Fatal("no stored row")
			}
			rows[j] = row
		}
		list, err := projections.RecordJSONFor(obj, nil).List(rows)
		if err != nil {
			b.Fatal(err)
		}
		if resp := host.JSONResponse(201, map[string]any{"data": map[string]any{"createPeople": list}}); resp.Status != 201 {
			b.Fatal(resp.Body)
		}
	}
	b.ReportMetric(float64(b.N*benchdata.LoadBatch)/b.Elapsed().Seconds(), "events/s")
}

// fakeState decides creates of one object against an empty store whose
// other objects' records all exist (the relations the data names).
type fakeState struct {
	schema   *domain.Schema
	creating string
}

func (s fakeState) Schema() *domain.Schema { return s.schema }
func (s fakeState) Record(object, id string) (*domain.RecordState, error) {
	if object == s.creating {
		return nil, nil
	}
	return &domain.RecordState{Version: 1}, nil
}
func (fakeState) Referencing(refs []domain.JoinRef, id string) ([][]string, error) {
	return make([][]string, len(refs)), nil
}
func (fakeState) Positions(object string) (domain.PositionRange, error) {
	return domain.PositionRange{}, nil
}

// wireDB encodes every statement as the bridge would send it and answers
// no rows (a log head of 0).
type wireDB struct{ buf []byte }

func (w *wireDB) Exec(query string, args ...any) (*sqldb.Rows, error) {
	var err error
	w.buf, err = wire.AppendStatement(wire.AppendBatchHeader(w.buf[:0], 1), 1, args)
	return &sqldb.Rows{Values: [][]any{{int64(0)}}}, err
}

func (w *wireDB) ExecBatch(stmts []host.Statement) (int, error) {
	w.buf = wire.AppendBatchHeader(w.buf[:0], len(stmts))
	for i, s := range stmts {
		var err error
		if w.buf, err = wire.AppendStatement(w.buf, 1, s.Args); err != nil {
			return i, err
		}
	}
	return 0, nil
}
