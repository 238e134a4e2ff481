package native_test

import (
	"fmt"
	"testing"
	"time"

	"edgecrm/host/dispatch"
	"edgecrm/host/native"
)

// Messages the queue lost after the outbox sent them (a kill -9 of the
// local queue) are sent again from the consumer's position once it stood
// still for a quiet period (60 s by default): every event ends up consumed
// once, and the watch ends when the consumer has caught up.
func TestLostQueueMessagesAreResent(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := dispatch.Now
	dispatch.Now = func() time.Time { return clock }
	t.Cleanup(func() { dispatch.Now = old })
	h := native.MustNew(t)
	for i := 0; i < 5; i++ {
		do(t, h, "POST", "/rest/companies", fmt.Sprintf(`{"name":"Lost %d"}`, i))
	}
	n := int(head(t, h))
	if len(h.Queue) != n {
		t.Fatalf("%d messages queued, want the %d events", len(h.Queue), n)
	}
	h.Queue = h.Queue[:n-4] // the last four are lost
	if err := h.DrainQueue(100, 3); err != nil {
		t.Fatal(err)
	}
	consumed := func() (rows, distinct int64) {
		t.Helper()
		r, err := h.D1.Exec(`SELECT count(*), count(DISTINCT event_id) FROM consumed_events WHERE workspace = ?`, ws)
		if err != nil {
			t.Fatal(err)
		}
		return r.Values[0][0].(int64), r.Values[0][1].(int64)
	}
	if c, _ := consumed(); c != int64(n-4) {
		t.Fatalf("consumed %d before the loss was noticed, want %d", c, n-4)
	}
	fire := func() {
		t.Helper()
		if ok, err := h.FireAlarm(ws); err != nil || !ok {
			t.Fatalf("alarm: %v %v", ok, err)
		}
	}
	clock = clock.Add(time.Minute)
	fire() // the consumer moved since the watch last looked: look again later
	if len(h.Queue) != 0 {
		t.Fatalf("re-sent %d messages before the consumer stood still for a quiet period", len(h.Queue))
	}
	clock = clock.Add(time.Minute)
	fire() // it stood still: re-send from its position
	if len(h.Queue) != 4 {
		t.Fatalf("re-sent %d messages, want the 4 lost", len(h.Queue))
	}
	if err := h.DrainQueue(100, 3); err != nil {
		t.Fatal(err)
	}
	if c, d := consumed(); c != int64(n) || d != int64(n) {
		t.Fatalf("consumed %d rows (%d distinct events), want %d once each", c, d, n)
	}
	clock = clock.Add(time.Minute)
	fire() // caught up: the watch ends, nothing is sent again
	if _, pending := h.Alarm(ws); pending || len(h.Queue) != 0 {
		at, _ := h.Alarm(ws)
		t.Fatalf("after the catch-up: alarm %v (%d), %d messages", pending, at, len(h.Queue))
	}
}
