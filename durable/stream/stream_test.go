package stream_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/migrations"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

var at = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// sequenced returns events 1..n whose payloads carry sizes[i] bytes of text.
func sequenced(t *testing.T, sizes ...int) []events.Event {
	t.Helper()
	out := make([]events.Event, len(sizes))
	for i, n := range sizes {
		ev, err := events.New("note.created", 1, at, "api", "c", map[string]any{"body": strings.Repeat("x", n)})
		if err != nil {
			t.Fatal(err)
		}
		ev.Seq = int64(i + 1)
		out[i] = ev
	}
	return out
}

func repeat(n, size int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = size
	}
	return out
}

// A queue batch stays within Queues' limits (100 messages, 128 KB each,
// 256 KB in all) and an event too big for one message goes as a reference.
func TestBatchFitsTheQueueLimits(t *testing.T) {
	for _, c := range []struct {
		name      string
		sizes     []int
		wantCount int
		wantRefs  int
	}{
		{"small events: 100 at most", repeat(150, 10), 100, 0},
		{"byte budget cuts the batch", repeat(10, 60_000), 4, 0},
		{"a 200 KB note goes as a reference", []int{10, 200_000, 10}, 3, 1},
		{"references only", repeat(3, 300_000), 3, 3},
		{"one event just under the message limit", []int{120_000, 120_000, 120_000}, 2, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs := sequenced(t, c.sizes...)
			msgs, to, err := stream.Batch("ws1", evs, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != c.wantCount || to != int64(c.wantCount) {
				t.Fatalf("batch of %d up to seq %d; want %d", len(msgs), to, c.wantCount)
			}
			total, refs := 0, 0
			for i, m := range msgs {
				total += len(m)
				if len(m) > stream.MaxMessageBytes {
					t.Fatalf("message %d is %d bytes", i, len(m))
				}
				var body stream.Message
				if err := json.Unmarshal(m, &body); err != nil {
					t.Fatal(err)
				}
				if body.Workspace != "ws1" || body.Seq != int64(i+1) || body.ID != evs[i].ID || body.Type != "note.created" {
					t.Fatalf("message %d: %+v", i, body)
				}
				if body.Ref {
					refs++
					if body.Payload != nil {
						t.Fatalf("reference %d carries its payload", i)
					}
				} else if len(body.Payload["body"].(string)) != c.sizes[i] {
					t.Fatalf("message %d lost its payload", i)
				}
			}
			if total > stream.MaxBatchBytes || refs != c.wantRefs {
				t.Fatalf("batch of %d bytes with %d references; want ≤ %d and %d", total, refs, stream.MaxBatchBytes, c.wantRefs)
			}
		})
	}
}

func TestEntriesOf(t *testing.T) {
	for name, want := range map[string]stream.Entries{
		"":        {"outbox", "outbox.d1", "outbox.sent"},
		"access":  {"access.outbox", "access.outbox.d1", "access.outbox.sent"},
		"account": {"account.outbox", "account.outbox.d1", "account.outbox.sent"},
	} {
		if got := stream.EntriesOf(name); got != want {
			t.Errorf("EntriesOf(%q) = %v, want %v", name, got, want)
		}
	}
}

// newStream is a stream over a fresh object storage, projecting each
// event into D1 as one row of table seen.
func newStream(t *testing.T, queue bool) (*stream.Stream, *sqlitedb.DB) {
	t.Helper()
	do, d1 := sqlitedb.MustOpen(t, migrations.ApplyDO), sqlitedb.MustOpen(t, migrations.ApplyD1)
	if _, err := d1.Exec(`CREATE TABLE seen (seq INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return &stream.Stream{Name: "test", DB: do, Store: &events.SQLStore{DB: do}, ID: "test:1", Queue: queue,
		D1: stream.EachEvent(func(ev events.Event) ([]host.Statement, error) {
			return []host.Statement{{SQL: `INSERT INTO seen (seq) VALUES (?)`, Args: []any{ev.Seq}}}, nil
		})}, d1
}

func appendN(t *testing.T, s *stream.Stream, n int) {
	t.Helper()
	changes := make([]domain.Change, n)
	for i := range changes {
		changes[i] = domain.Change{Type: "note.created", Payload: map[string]any{"i": i}}
	}
	evs, err := stream.Events(changes, at, "api", "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(evs, func(events.Event) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func runBatch(d1 sqldb.DB, stmts []host.Statement) error {
	return d1.(*sqlitedb.DB).Tx(func() error { return sqldb.ExecAll(d1, stmts) })
}

// The checkpoint moves inside the D1 batch, guarded: a batch computed from
// a checkpoint D1 has moved past (a second flush, a lost acknowledgement)
// applies nothing, so no event reaches D1 twice.
func TestD1BatchAppliesOnlyOnItsCheckpoint(t *testing.T) {
	s, d1 := newStream(t, false)
	appendN(t, s, 3)
	first, to, err := s.D1Batch(0)
	if err != nil || to != 3 {
		t.Fatalf("batch to %d: %v", to, err)
	}
	if err := runBatch(d1, first); err != nil {
		t.Fatal(err)
	}
	if err := runBatch(d1, first); err == nil {
		t.Fatal("the same batch applied twice")
	}
	appendN(t, s, 2)
	stale, _, _ := s.D1Batch(1) // computed from a checkpoint D1 is past
	if err := runBatch(d1, stale); err == nil {
		t.Fatal("a batch from a stale checkpoint applied")
	}
	next, to, _ := s.D1Batch(3)
	if err := runBatch(d1, next); err != nil || to != 5 {
		t.Fatalf("next batch to %d: %v", to, err)
	}
	if rows, _ := d1.Exec(`SELECT count(*) FROM seen`); rows.Int() != 5 {
		t.Fatalf("D1 saw %d events, want 5", rows.Int())
	}
	if rows, _ := d1.Exec(`SELECT seq FROM projection_checkpoints WHERE workspace = 'test:1'`); rows.Int() != 5 {
		t.Fatalf("checkpoint %d, want 5", rows.Int())
	}
}

// flush runs s's outbox as the shell does, D1 on d1 and the queue into
// sent, and returns how many entries into the stream it took.
func flush(t *testing.T, s *stream.Stream, d1 sqldb.DB, sent *[]json.RawMessage) int {
	t.Helper()
	e := s.Entries()
	out, ok, err := s.Run(e.Step, nil)
	entries := 1
	for ok && err == nil && len(out.Effects) > 0 {
		eff := out.Effects[0]
		var result any
		var errText string
		switch eff.Kind {
		case host.EffectSeq:
			var res host.AllResult
			for _, x := range eff.Effects {
				var r host.EffectResult
				if x.Kind == host.EffectD1Batch {
					if err := runBatch(d1, x.Statements); err != nil {
						r.Error = err.Error()
					}
				} else {
					*sent = append(*sent, x.Messages...)
				}
				r.Result = json.RawMessage(`{}`)
				res.Results = append(res.Results, r)
				if r.Error != "" {
					break
				}
			}
			result = res
		case host.EffectD1Query:
			rows, err := d1.Exec(eff.SQL, eff.Params...)
			if err != nil {
				errText = err.Error()
			}
			result = host.D1Result{Rows: rows.Maps()}
		default:
			t.Fatalf("unexpected effect %s", eff.Kind)
		}
		raw, _ := json.Marshal(result)
		out, ok, err = s.Run(eff.Resume.Entry, &host.ResumeInput{Ctx: eff.Resume.Ctx, Result: raw, Error: errText})
		entries++
	}
	if !ok || err != nil {
		t.Fatalf("flush: %v %v", ok, err)
	}
	return entries
}

// A flush in step is two entries (the step, then its continuation) with
// D1 and the queue in one batch; when D1's checkpoint is not the one the
// object saw, the guard refuses the batch and the flush reads D1's
// checkpoint and goes on from there, applying each event once.
func TestFlushIsOneStepAndRecoversFromD1sCheckpoint(t *testing.T) {
	s, d1 := newStream(t, true)
	appendN(t, s, 3)
	var sent []json.RawMessage
	if n := flush(t, s, d1, &sent); n != 2 || len(sent) != 3 {
		t.Fatalf("flush took %d entries and sent %d messages, want 2 and 3", n, len(sent))
	}
	// D1 moves on without this object knowing (a lost acknowledgement).
	appendN(t, s, 2)
	next, _, _ := s.D1Batch(3)
	if err := runBatch(d1, next); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, 1)
	if n := flush(t, s, d1, &sent); n != 4 {
		t.Fatalf("recovering flush took %d entries, want 4 (refused batch, checkpoint read, batch)", n)
	}
	if rows, _ := d1.Exec(`SELECT count(*) FROM seen`); rows.Int() != 6 {
		t.Fatalf("D1 saw %d events, want 6 once each", rows.Int())
	}
	if d1Seq, queued := s.State(); d1Seq != 6 || queued != 6 || len(sent) != 6 {
		t.Fatalf("state d1 %d queue %d, sent %d; want 6, 6, 6", d1Seq, queued, len(sent))
	}
}

// A bulk load's flush moves hundreds of events a step: 450 events go in
// one step (one D1 batch, five queue batches); a step whose queue batches
// did not all go out leaves the queue checkpoint where it was.
func TestFlushStepCarriesSeveralQueueBatches(t *testing.T) {
	s, d1 := newStream(t, true)
	appendN(t, s, 450)
	var sent []json.RawMessage
	if n := flush(t, s, d1, &sent); n != 2 || len(sent) != 450 {
		t.Fatalf("flush took %d entries and sent %d messages, want 2 and 450", n, len(sent))
	}
	if d1Seq, queued := s.State(); d1Seq != 450 || queued != 450 {
		t.Fatalf("state d1 %d queue %d; want 450, 450", d1Seq, queued)
	}
	appendN(t, s, 250)
	out, err := s.Step()
	if err != nil {
		t.Fatal(err)
	}
	eff := out.Effects[0]
	if len(eff.Effects) != 4 { // D1, then three queue batches
		t.Fatalf("step has %d effects, want 4", len(eff.Effects))
	}
	ok := host.EffectResult{Result: json.RawMessage(`{}`)}
	if err := runBatch(d1, eff.Effects[0].Statements); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(host.AllResult{Results: []host.EffectResult{ok, ok, {Error: "queue down"}}})
	if _, _, err := s.Run(eff.Resume.Entry, &host.ResumeInput{Ctx: eff.Resume.Ctx, Result: raw}); err == nil {
		t.Fatal("a step with a failed queue batch went on")
	}
	if _, queued := s.State(); queued != 450 {
		t.Fatalf("queue checkpoint %d after a failed batch; want 450", queued)
	}
}

// A replay that resets D1 while a step's batch is out (ResetD1 between the
// step and its continuation) is not undone by the continuation: the next
// step rebuilds D1 from 0, whichever of the two batches D1 ran first.
func TestReplayWhileABatchIsOutRebuildsD1(t *testing.T) {
	for _, resetFirst := range []bool{false, true} {
		s, d1 := newStream(t, false)
		appendN(t, s, 3)
		out, _, err := s.Run(s.Entries().Step, nil)
		if err != nil || len(out.Effects) != 1 || out.Effects[0].Kind != host.EffectSeq {
			t.Fatalf("step: %v %+v", err, out)
		}
		step := out.Effects[0]
		reset, err := s.ResetD1() // the replay, in the object, while the batch is out
		if err != nil {
			t.Fatal(err)
		}
		emptyD1 := func() {
			if err := runBatch(d1, []host.Statement{{SQL: `DELETE FROM seen`}, reset}); err != nil {
				t.Fatal(err)
			}
		}
		result := host.EffectResult{Result: json.RawMessage(`{}`)}
		if resetFirst { // D1 runs the replay's reset, then the step's batch (its guard refuses it)
			emptyD1()
			if err := runBatch(d1, step.Effects[0].Statements); err != nil {
				result = host.EffectResult{Error: err.Error()}
			}
		} else {
			if err := runBatch(d1, step.Effects[0].Statements); err != nil {
				t.Fatal(err)
			}
			emptyD1()
		}
		raw, _ := json.Marshal(host.AllResult{Results: []host.EffectResult{result}})
		next, _, err := s.Run(step.Resume.Entry, &host.ResumeInput{Ctx: step.Resume.Ctx, Result: raw})
		if err != nil {
			t.Fatal(err)
		}
		if q := next.Effects; len(q) == 1 && q[0].Kind == host.EffectD1Query { // the checkpoint read, answered now
			rows, _ := d1.Exec(q[0].SQL, q[0].Params...)
			raw, _ := json.Marshal(host.D1Result{Rows: rows.Maps()})
			if _, _, err := s.Run(q[0].Resume.Entry, &host.ResumeInput{Ctx: q[0].Resume.Ctx, Result: raw}); err != nil {
				t.Fatal(err)
			}
		}
		var sent []json.RawMessage
		flush(t, s, d1, &sent)
		if rows, _ := d1.Exec(`SELECT count(*) FROM seen`); rows.Int() != 3 {
			t.Fatalf("reset first %v: D1 holds %d events after the replay's flush, want 3", resetFirst, rows.Int())
		}
	}
}
