package corebench

import (
	"strings"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections"
	"edgecrm/sqldb"
	"edgecrm/tests/benchdata"
)

// BenchmarkReplay: the Go work of a replay (projections.Rebuild, as
// Workspace.Replay runs it) of the bench dataset at scale 0.02 (the
// standard objects, then about 4,200 records), with SQLite taken out: the
// log's chunks are served from memory as the bridge would answer them,
// and every other statement is encoded for the bridge (wireDB). Inside
// wasm this is the share of a Durable Object's replay its Server-Timing
// shows as core minus db.
func BenchmarkReplay(b *testing.B) {
	db := &logDB{log: replayLog(b, 0.02)}
	store := &events.SQLStore{DB: db}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := projections.Rebuild(db, store, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(db.log))/b.Elapsed().Seconds(), "events/s")
}

// replayLog is the log of a workspace holding the standard objects and the
// dataset's records, as _events rows (seq, id, type, schema_version, at,
// actor, command_id, payload): the creates decided and encoded as a batch
// create does it.
func replayLog(tb testing.TB, scale float64) [][]any {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	schema := &domain.Schema{Objects: domain.StandardObjects()}
	var changes []domain.Change
	for _, obj := range schema.Objects {
		changes = append(changes, domain.Change{Type: domain.EventObjectCreated, Payload: domain.ObjectCreated{Object: obj}})
	}
	d := benchdata.Generate(scale)
	for _, part := range []struct {
		object string
		recs   []map[string]any
	}{{"company", d.Companies}, {"person", d.People}, {"opportunity", d.Opportunities}, {"note", d.Notes}, {"task", d.Tasks}} {
		st := fakeState{schema: schema, creating: part.object}
		for _, r := range part.recs {
			ch, err := domain.Decide(st, domain.RecordCommand{Kind: domain.Create, Object: part.object, ID: r["id"].(string), Data: r})
			if err != nil {
				tb.Fatal(err)
			}
			changes = append(changes, ch...)
		}
	}
	evs, err := stream.Events(changes, at, "api", "cmd")
	if err != nil {
		tb.Fatal(err)
	}
	log := make([][]any, len(evs))
	for i, e := range evs {
		log[i] = []any{int64(i + 1), e.ID, e.Type, int64(e.SchemaVersion), e.Time.Format(events.TimeLayout), e.Actor, e.CommandID, e.Payload}
	}
	return log
}

// logDB answers the log's reads from log (a fresh copy of each payload, as
// the bridge decodes one) and encodes every other statement as wireDB
// does, answering no rows.
type logDB struct {
	log [][]any
	wireDB
}

func (l *logDB) Exec(query string, args ...any) (*sqldb.Rows, error) {
	if !strings.HasPrefix(query, "SELECT seq, id, type") {
		if _, err := l.wireDB.Exec(query, args...); err != nil {
			return nil, err
		}
		return &sqldb.Rows{}, nil
	}
	after, limit := sqldb.AsInt(args[0]), int(sqldb.AsInt(args[1]))
	rows := &sqldb.Rows{}
	for i := after; i < int64(len(l.log)) && len(rows.Values) < limit; i++ {
		r := append([]any(nil), l.log[i]...)
		r[7] = append([]byte(nil), r[7].([]byte)...)
		rows.Values = append(rows.Values, r)
	}
	return rows, nil
}

func (l *logDB) ExecBatch(stmts []host.Statement) (int, error) { return l.wireDB.ExecBatch(stmts) }
