package stream_test

import (
	"encoding/json"
	"testing"

	"edgecrm/durable/stream"
	"edgecrm/host"
	"edgecrm/sqldb"
)

// The watch's rule: re-send only after the consumer stood still behind the
// queue checkpoint for a whole quiet period, and wait twice as long after
// each re-send that did not move it (up to 16 quiet periods).
func TestResendRule(t *testing.T) {
	const q = 100
	for _, c := range []struct {
		name            string
		w               stream.Watch
		queue, consumer int64
		now             int64
		rewind          bool
		checkAt         int64
		next            stream.Watch
	}{
		{"caught up: stop watching", stream.Watch{Consumer: 3, Since: 0}, 10, 10, 500, false, 0, stream.Watch{Consumer: 10, Since: 500}},
		{"moved: wait a quiet period from now", stream.Watch{Consumer: 3, Since: 0}, 10, 5, 500, false, 600, stream.Watch{Consumer: 5, Since: 500}},
		{"still, within the quiet period", stream.Watch{Consumer: 5, Since: 450}, 10, 5, 500, false, 550, stream.Watch{Consumer: 5, Since: 450}},
		{"still for the quiet period: re-send", stream.Watch{Consumer: 5, Since: 400}, 10, 5, 500, true, 600, stream.Watch{Consumer: 5, Since: 500, Rewinds: 1}},
		{"after a re-send the wait doubles", stream.Watch{Consumer: 5, Since: 500, Rewinds: 1}, 10, 5, 650, false, 700, stream.Watch{Consumer: 5, Since: 500, Rewinds: 1}},
		{"after a re-send, still: the doubled wait", stream.Watch{Consumer: 5, Since: 500, Rewinds: 1}, 10, 5, 600, false, 700, stream.Watch{Consumer: 5, Since: 500, Rewinds: 1}},
		{"second re-send", stream.Watch{Consumer: 5, Since: 500, Rewinds: 1}, 10, 5, 700, true, 800, stream.Watch{Consumer: 5, Since: 700, Rewinds: 2}},
		{"the wait is capped at 16 quiet periods", stream.Watch{Consumer: 5, Since: 0, Rewinds: 9}, 10, 5, 1600, true, 1700, stream.Watch{Consumer: 5, Since: 1600, Rewinds: 10}},
		{"movement after re-sends resets the wait", stream.Watch{Consumer: 5, Since: 0, Rewinds: 3}, 10, 6, 1000, false, 1100, stream.Watch{Consumer: 6, Since: 1000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			next, rewind, at := c.w.Next(c.queue, c.consumer, c.now, q)
			if next != c.next || rewind != c.rewind || at != c.checkAt {
				t.Fatalf("Next = %+v, rewind %v, check at %d; want %+v, %v, %d", next, rewind, at, c.next, c.rewind, c.checkAt)
			}
		})
	}
}

// check runs the watch's alarm at now against d1 and resumes it with the
// consumer's position; it returns the effects of the resume (nil when the
// alarm only asked for itself again).
func check(t *testing.T, s *stream.Stream, d1 sqldb.DB, now int64) []host.Effect {
	t.Helper()
	effects := s.ResendAlarm(now)
	if len(effects) != 1 {
		t.Fatalf("alarm at %d: %d effects", now, len(effects))
	}
	if effects[0].Kind == host.EffectAlarm {
		return nil
	}
	rows, err := d1.Exec(effects[0].SQL, effects[0].Params...)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(host.D1Result{Rows: rows.Maps()})
	out, err := s.ResendChecked(host.ResumeInput{Result: raw}, now, 100)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func kinds(effects []host.Effect) []string {
	var k []string
	for _, e := range effects {
		k = append(k, e.Kind)
	}
	return k
}

// Messages the queue lost after the outbox sent them are sent again from
// the consumer's position (its first hole: events behind a lost one may
// have been dead-lettered), once it stood still for a quiet period; when
// it has caught up the watch ends.
func TestResendRewindsToTheConsumer(t *testing.T) {
	s, d1 := newStream(t, true)
	appendN(t, s, 5)
	var sent []json.RawMessage
	flush(t, s, d1, &sent)
	arm, err := s.ArmResend(1000, 100)
	if err != nil || len(arm) != 1 || arm[0].Kind != host.EffectAlarm || arm[0].DelayMs != 100 {
		t.Fatalf("arm: %v %v", arm, err)
	}
	if again, _ := s.ArmResend(1001, 100); len(again) != 0 {
		t.Fatalf("armed twice: %v", again)
	}
	// The consumer got 1 and 2; 3 was lost; 4 was dead-lettered behind it.
	for _, q := range []string{
		`INSERT INTO consumed_events (workspace, seq, event_id, type, attempts, consumed_at) VALUES ('test:1', 1, 'a', 't', 1, ''), ('test:1', 2, 'b', 't', 1, ''), ('other', 3, 'c', 't', 1, '')`,
		`INSERT INTO dead_letters (message_id, workspace, seq, body, attempts, received_at) VALUES ('m4', 'test:1', 4, '{}', 6, '')`,
	} {
		if _, err := d1.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if out := check(t, s, d1, 1050); out != nil {
		t.Fatalf("not due yet, got %v", kinds(out))
	}
	if out := check(t, s, d1, 1100); len(out) != 1 || out[0].Kind != host.EffectAlarm { // it moved (0 → 2): wait
		t.Fatalf("first check: %v", kinds(out))
	}
	out := check(t, s, d1, 1200) // still at 2 for a quiet period: re-send
	if len(out) != 2 || out[1].Kind != host.EffectFlush {
		t.Fatalf("second check: %v", kinds(out))
	}
	if _, queued := s.State(); queued != 2 {
		t.Fatalf("queue checkpoint %d, want 2", queued)
	}
	sent = nil
	flush(t, s, d1, &sent)
	var seqs []int64
	for _, m := range sent {
		var b stream.Message
		_ = json.Unmarshal(m, &b)
		seqs = append(seqs, b.Seq)
	}
	if len(seqs) != 3 || seqs[0] != 3 || seqs[2] != 5 {
		t.Fatalf("re-sent %v, want 3..5", seqs)
	}
	// The consumer takes 3 (and 5; 4 is a dead letter): the watch ends.
	if _, err := d1.Exec(`INSERT INTO consumed_events (workspace, seq, event_id, type, attempts, consumed_at) VALUES ('test:1', 3, 'c', 't', 1, ''), ('test:1', 5, 'e', 't', 1, '')`); err != nil {
		t.Fatal(err)
	}
	if out := check(t, s, d1, 1400); len(out) != 0 {
		t.Fatalf("caught up, got %v", kinds(out))
	}
	if out := s.ResendAlarm(5000); out != nil {
		t.Fatalf("the watch goes on after the catch-up: %v", kinds(out))
	}
}
