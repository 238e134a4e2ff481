package consumer_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"edgecrm/durable/stream"
	"edgecrm/durable/webhooks"
	"edgecrm/edge/consumer"
	"edgecrm/host"
	"edgecrm/migrations"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

func msg(id, ws string, seq int64) consumer.Message {
	b, _ := json.Marshal(stream.Message{Workspace: ws, Seq: seq, ID: "e" + id, Type: "company.created", Notify: true})
	return consumer.Message{ID: id, Attempts: 1, Body: b}
}

// decide runs Consume then Decide with gate (the highest seq consumed or
// dead-lettered per workspace, as D1 answers) and returns the seqs
// recorded, acked and retried.
func decide(t testing.TB, gate map[string]int64, msgs ...consumer.Message) (recorded []string, acked, retried []string) {
	t.Helper()
	consumer.ForgetGates()
	out, err := consumer.Consume(msgs)
	if err != nil || len(out.Effects) == 0 || out.Effects[0].Resume == nil {
		t.Fatalf("consume: %+v %v", out, err)
	}
	var res host.D1Result
	for ws, seq := range gate {
		res.Rows = append(res.Rows, map[string]any{"workspace": ws, "seq": seq})
	}
	raw, _ := json.Marshal(res)
	out, err = consumer.Decide(host.ResumeInput{Ctx: out.Effects[0].Resume.Ctx, Result: raw})
	if err != nil {
		t.Fatal(err)
	}
	return effects(t, out, 200)
}

// effects collects what out records, acks and retries; the notices to
// the workspace objects (then the acks) are answered with status.
func effects(t testing.TB, out *host.Output, status int) (recorded []string, acked, retried []string) {
	t.Helper()
	for _, e := range out.Effects {
		switch e.Kind {
		case host.EffectAll: // the notices: each object answers status
			var res host.AllResult
			for range e.Effects {
				r, _ := json.Marshal(host.DOFetchResult{Status: status})
				res.Results = append(res.Results, host.EffectResult{Result: r})
			}
			raw, _ := json.Marshal(res)
			next, err := consumer.Notified(host.ResumeInput{Ctx: e.Resume.Ctx, Result: raw})
			if err != nil {
				t.Fatal(err)
			}
			_, a, r := effects(t, next, status)
			acked, retried = append(acked, a...), append(retried, r...)
		case host.EffectD1Batch: // what it records, applied to an empty D1
			d1 := d1With(t, nil, nil)
			if err := sqldb.ExecAll(d1, e.Statements); err != nil {
				t.Fatal(err)
			}
			rows, err := d1.Exec(`SELECT workspace || ':' || seq FROM consumed_events ORDER BY rowid`)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows.Values {
				recorded = append(recorded, sqldb.AsString(r[0]))
			}
		case host.EffectAck:
			acked = append(acked, e.IDs...)
		case host.EffectRetry:
			retried = append(retried, e.IDs...)
		}
	}
	return recorded, acked, retried
}

func TestDecideGatesPerWorkspace(t *testing.T) {
	for _, c := range []struct {
		name                     string
		gate                     map[string]int64
		msgs                     []consumer.Message
		recorded, acked, retried []string
	}{
		{"in sequence", nil, []consumer.Message{msg("a", "w", 2), msg("b", "w", 1)},
			[]string{"w:1", "w:2"}, []string{"b", "a"}, nil},
		{"a gap waits", map[string]int64{"w": 1}, []consumer.Message{msg("a", "w", 3)}, nil, nil, []string{"a"}},
		// The gate includes dead letters: seq 3 follows a dead-lettered 2.
		{"after a dead letter", map[string]int64{"w": 2}, []consumer.Message{msg("a", "w", 3)}, []string{"w:3"}, []string{"a"}, nil},
		// At or below the gate: recorded if new (a redriven dead letter),
		// ignored by the insert if a redelivery; acked either way.
		{"below the gate", map[string]int64{"w": 5}, []consumer.Message{msg("a", "w", 2)}, []string{"w:2"}, []string{"a"}, nil},
		{"workspaces apart", map[string]int64{"v": 4}, []consumer.Message{msg("a", "v", 5), msg("b", "w", 2)},
			[]string{"v:5"}, []string{"a"}, []string{"b"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec, ack, retry := decide(t, c.gate, c.msgs...)
			if !reflect.DeepEqual(rec, c.recorded) || !reflect.DeepEqual(ack, c.acked) || !reflect.DeepEqual(retry, c.retried) {
				t.Fatalf("recorded %v acked %v retried %v; want %v %v %v", rec, ack, retry, c.recorded, c.acked, c.retried)
			}
		})
	}
}

// After one decision on D1's gates, the next batch of first deliveries is
// decided at once (one entry), in a batch that applies only on the gate
// the decision was made on.
func TestRememberedGateDecidesInOneEntry(t *testing.T) {
	d1 := sqlitedb.MustOpen(t)
	if err := migrations.ApplyD1(d1); err != nil {
		t.Fatal(err)
	}
	apply := func(out *host.Output) error {
		for _, e := range out.Effects {
			if e.Kind == host.EffectD1Batch {
				return d1.Tx(func() error { return sqldb.ExecAll(d1, e.Statements) })
			}
		}
		return nil
	}
	decide(t, map[string]int64{"w": 0}, msg("a", "w", 1)) // learns w's gate (then 1)
	out, err := consumer.Consume([]consumer.Message{msg("b", "w", 2)})
	if err != nil || len(out.Effects) != 2 || out.Effects[0].Kind != host.EffectD1Batch || out.Effects[1].Kind != host.EffectAll {
		t.Fatalf("a first delivery on a remembered gate: %+v %v, want a batch and the notices", out, err)
	}
	// D1's gate is 0, not the remembered 1 (the batch recording seq 1 was
	// lost): the guard refuses, nothing is recorded out of order.
	if err := apply(out); err == nil {
		t.Fatal("a batch decided on a gate D1 does not have applied")
	}
	if r, _ := d1.Exec(`SELECT count(*) FROM consumed_events`); r.Int() != 0 {
		t.Fatalf("%d events recorded", r.Int())
	}
	// Redelivered, it reads D1's gates first.
	again := msg("b", "w", 2)
	again.Attempts = 2
	if out, _ := consumer.Consume([]consumer.Message{again}); len(out.Effects) != 1 || out.Effects[0].Kind != host.EffectD1Query {
		t.Fatalf("a redelivery: %+v, want a read of the gates", out)
	}
	// On the right gate the guarded batch applies.
	if _, err := d1.Exec(`INSERT INTO consumed_events VALUES ('w', 1, 'e', 't', 1, 'now')`); err != nil {
		t.Fatal(err)
	}
	decide(t, map[string]int64{"w": 0}, msg("a", "w", 1))
	out, _ = consumer.Consume([]consumer.Message{msg("b", "w", 2)})
	if err := apply(out); err != nil {
		t.Fatal(err)
	}
	if r, _ := d1.Exec(`SELECT max(seq) FROM consumed_events WHERE workspace = 'w'`); r.Int() != 2 {
		t.Fatalf("gate %d, want 2", r.Int())
	}
}

// A message is acked only once its workspace object has the notice of it
// (webhook deliveries are enqueued there); a failed notice retries it.
func TestNoticeFailureRetries(t *testing.T) {
	out, err := consumer.Consume([]consumer.Message{msg("a", "w", 1), msg("b", "v", 1)})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(host.D1Result{})
	out, err = consumer.Decide(host.ResumeInput{Ctx: out.Effects[0].Resume.Ctx, Result: raw})
	if err != nil {
		t.Fatal(err)
	}
	if _, acked, retried := effects(t, out, 503); len(acked) != 0 || !reflect.DeepEqual(retried, []string{"b", "a"}) {
		t.Fatalf("acked %v retried %v; want none acked, [b a] retried", acked, retried)
	}
}

// An object without webhooks sends its events without Notify: they are
// acked at once, without waking the object.
func TestEventsWithoutNoticeAreAckedAtOnce(t *testing.T) {
	consumer.ForgetGates()
	quiet := func(id string, seq int64) consumer.Message {
		b, _ := json.Marshal(stream.Message{Workspace: "q", Seq: seq, ID: "e" + id, Type: "company.created"})
		return consumer.Message{ID: id, Attempts: 1, Body: b}
	}
	out, err := consumer.Consume([]consumer.Message{quiet("a", 1), quiet("b", 2)})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(host.D1Result{})
	out, err = consumer.Decide(host.ResumeInput{Ctx: out.Effects[0].Resume.Ctx, Result: raw})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range out.Effects {
		if e.Kind == host.EffectAll || e.Kind == host.EffectDOFetch {
			t.Fatalf("a notice for an object without webhooks: %+v", e)
		}
	}
	if last := out.Effects[len(out.Effects)-1]; last.Kind != host.EffectAck || !reflect.DeepEqual(last.IDs, []string{"a", "b"}) {
		t.Fatalf("effects %+v, want the two acked", out.Effects)
	}
}

// An object that answers 2xx naming an event it could not take gets that
// event's message retried alone; the others of its notice are acked.
func TestNotifiedRetriesOnlyTheFailedEvents(t *testing.T) {
	consumer.ForgetGates()
	out, err := consumer.Consume([]consumer.Message{msg("a", "w", 1), msg("b", "w", 2), msg("c", "w", 3)})
	if err != nil {
		t.Fatal(err)
	}
	var res host.D1Result
	res.Rows = []map[string]any{{"workspace": "w", "seq": 0}}
	raw, _ := json.Marshal(res)
	if out, err = consumer.Decide(host.ResumeInput{Ctx: out.Effects[0].Resume.Ctx, Result: raw}); err != nil {
		t.Fatal(err)
	}
	var notices *host.Effect
	for i := range out.Effects {
		if out.Effects[i].Kind == host.EffectAll {
			notices = &out.Effects[i]
		}
	}
	if notices == nil || len(notices.Effects) != 1 {
		t.Fatalf("no notice in %+v", out.Effects)
	}
	body, _ := json.Marshal(webhooks.EventsAnswer{OK: true, Failed: []webhooks.Failure{{Seq: 2, Error: "poisoned"}}})
	r, _ := json.Marshal(host.DOFetchResult{Status: 200, Body: string(body)})
	all, _ := json.Marshal(host.AllResult{Results: []host.EffectResult{{Result: r}}})
	next, err := consumer.Notified(host.ResumeInput{Ctx: notices.Resume.Ctx, Result: all})
	if err != nil {
		t.Fatal(err)
	}
	_, acked, retried := effects(t, next, 200)
	if !reflect.DeepEqual(acked, []string{"a", "c"}) || !reflect.DeepEqual(retried, []string{"b"}) {
		t.Fatalf("acked %v retried %v, want [a c] [b]", acked, retried)
	}
}

// d1With is a native D1 holding consumed and dead-lettered seqs
// ("workspace:seq") for the gate tests.
func d1With(t testing.TB, consumed, dead []string) *sqlitedb.DB {
	t.Helper()
	d1 := sqlitedb.MustOpen(t)
	if err := migrations.ApplyD1(d1); err != nil {
		t.Fatal(err)
	}
	for i, list := range [][]string{consumed, dead} {
		for _, c := range list {
			var ws string
			var seq int64
			fmt.Sscanf(strings.Replace(c, ":", " ", 1), "%s %d", &ws, &seq)
			q := `INSERT INTO consumed_events VALUES (?, ?, 'e', 't', 1, 'now')`
			args := []any{ws, seq}
			if i == 1 {
				q, args = `INSERT INTO dead_letters VALUES (?, ?, ?, '{}', 5, 'now')`, []any{c, ws, seq}
			}
			if _, err := d1.Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		}
	}
	return d1
}

// The gates Consume reads from D1 (for redeliveries) are the highest seq
// consumed or dead-lettered per workspace, 0 for a workspace with neither.
func TestGatesReadFromD1(t *testing.T) {
	d1 := d1With(t, []string{"w1:1", "w1:2", "w1:3", "w2:1", "w2:2", "x:9"}, []string{"w1:5", "w2:1"})
	var msgs []consumer.Message
	for _, ws := range []string{"w1", "w2", "w3"} {
		m := msg(ws, ws, 10)
		m.Attempts = 2 // a redelivery reads the gates
		msgs = append(msgs, m)
	}
	consumer.ForgetGates()
	out, err := consumer.Consume(msgs)
	if err != nil || len(out.Effects) != 1 || out.Effects[0].Kind != host.EffectD1Query {
		t.Fatalf("%+v %v, want a read of the gates", out, err)
	}
	rows, err := d1.Exec(out.Effects[0].SQL, out.Effects[0].Params...)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows.Values {
		got[sqldb.AsString(r[0])] = sqldb.AsInt(r[1])
	}
	if want := map[string]int64{"w1": 5, "w2": 2, "w3": 0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("gates %v, want %v", got, want)
	}
}

// The guard of a remembered gate counts dead letters too: a batch decided
// on a gate a dead letter set applies.
func TestGuardCountsDeadLetters(t *testing.T) {
	d1 := d1With(t, []string{"w:1", "w:2", "w:3"}, []string{"w:4"})
	decide(t, map[string]int64{"w": 4}, msg("a", "w", 5)) // records 5 (not applied here): the remembered gate is 5
	if _, err := d1.Exec(`INSERT INTO dead_letters VALUES ('w:5', 'w', 5, '{}', 5, 'now')`); err != nil {
		t.Fatal(err)
	}
	out, err := consumer.Consume([]consumer.Message{msg("b", "w", 6)})
	if err != nil || len(out.Effects) == 0 || out.Effects[0].Kind != host.EffectD1Batch {
		t.Fatalf("%+v %v, want a guarded batch", out, err)
	}
	if err := d1.Tx(func() error { return sqldb.ExecAll(d1, out.Effects[0].Statements) }); err != nil {
		t.Fatalf("a batch on the gate a dead letter set was refused: %v", err)
	}
	if r, _ := d1.Exec(`SELECT max(seq) FROM consumed_events WHERE workspace = 'w'`); r.Int() != 6 {
		t.Fatalf("consumed up to %d, want 6", r.Int())
	}
}

// BenchmarkGuardedBatch applies a remembered gate's batch (its guard and
// one record) on a D1 that has consumed 100,000 events of the workspace:
// the guard's cost must not grow with them.
func BenchmarkGuardedBatch(b *testing.B) {
	d1 := d1With(b, nil, []string{"w:1"})
	if _, err := d1.Exec(`WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
		INSERT INTO consumed_events SELECT 'w', i, 'e', 't', 1, 'now' FROM n`); err != nil {
		b.Fatal(err)
	}
	decide(b, map[string]int64{"w": 100000}, msg("a", "w", 100001)) // the remembered gate: 100001
	out, err := consumer.Consume([]consumer.Message{msg("b", "w", 100002)})
	if err != nil || len(out.Effects) == 0 || out.Effects[0].Kind != host.EffectD1Batch {
		b.Fatalf("%+v %v, want a guarded batch", out, err)
	}
	guard := out.Effects[0].Statements[0]
	guard.Args[len(guard.Args)-1] = int64(100000) // D1's gate here
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d1.Exec(guard.SQL, guard.Args...); err != nil {
			b.Fatal(err)
		}
	}
}

// A batch of events in sequence is recorded in one statement, not one per
// event (D1 runs a batch's statements one by one).
func TestBatchRecordsInOneStatement(t *testing.T) {
	var msgs []consumer.Message
	for i := 1; i <= 100; i++ {
		msgs = append(msgs, msg(fmt.Sprint(i), "w", int64(i)))
	}
	consumer.ForgetGates()
	out, _ := consumer.Consume(msgs)
	raw, _ := json.Marshal(host.D1Result{Rows: []map[string]any{{"workspace": "w", "seq": 0}}})
	out, err := consumer.Decide(host.ResumeInput{Ctx: out.Effects[0].Resume.Ctx, Result: raw})
	if err != nil || len(out.Effects) == 0 || out.Effects[0].Kind != host.EffectD1Batch {
		t.Fatalf("%+v %v, want a D1 batch", out, err)
	}
	if n := len(out.Effects[0].Statements); n != 1 {
		t.Fatalf("%d statements record 100 events", n)
	}
	if recorded, _, _ := effects(t, &host.Output{Effects: out.Effects[:1]}, 200); len(recorded) != 100 || recorded[99] != "w:100" {
		t.Fatalf("recorded %d events (last %v)", len(recorded), recorded[len(recorded)-1:])
	}
}
