package native_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"edgecrm/durable/stream"
	"edgecrm/host/native"
)

// A note too big for one queue message (Queues refuse a message over 128 KB;
// the native queue too) does not freeze the stream: it goes as a reference,
// and every later event still reaches D1 and the consumer (issue 9, defect 5).
func TestBigEventDoesNotFreezeTheStream(t *testing.T) {
	h := native.MustNew(t)
	big := strings.Repeat("x", 200_000)
	body, _ := json.Marshal(map[string]any{"title": "big", "bodyV2": map[string]any{"markdown": big, "blocknote": nil}})
	if status, m := do(t, h, "POST", "/rest/notes", string(body)); status != 201 {
		t.Fatalf("create the big note: %d %v", status, m)
	}
	for i := 0; i < 3; i++ {
		do(t, h, "POST", "/rest/companies", fmt.Sprintf(`{"name":"After %d"}`, i))
	}
	_, st := do(t, h, "GET", "/admin/state", "")
	if st["queue"] != st["head"] || st["d1"] != st["head"] {
		t.Fatalf("outbox stuck: %v", st)
	}
	refs := 0
	for _, m := range h.Queue {
		var b stream.Message
		if err := json.Unmarshal(m.Body, &b); err != nil {
			t.Fatal(err)
		}
		if b.Ref {
			refs++
			if b.Type != "note.created" || b.Payload != nil {
				t.Fatalf("reference message: %s", m.Body)
			}
		}
	}
	if refs != 1 {
		t.Fatalf("%d reference messages, want 1", refs)
	}
	n := len(h.Queue)
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	if rows, _ := h.D1.Exec(`SELECT count(*), max(seq) FROM consumed_events WHERE workspace = ?`, ws); rows.Values[0][0] != int64(n) || rows.Values[0][1] != int64(st["head"].(float64)) {
		t.Fatalf("consumed %v, want %d events up to %v", rows.Values, n, st["head"])
	}
	if _, v := do(t, h, "GET", "/admin/verify", ""); v["equal"] != true {
		t.Fatalf("D1 after the big note: %v", v)
	}
}

// A message lost before the consumer saw it sends the events behind it to
// the dead-letter queue; they must not stop the workspace's stream: later
// events are consumed, the dead letters are listed for an operator, and a
// redrive (with a requeue of the lost event) completes the record (issue 9,
// defect 11).
func TestDeadLetterDoesNotStopTheStream(t *testing.T) {
	h := native.MustNew(t)
	h.MaxRetries = 5
	for i := 0; i < 4; i++ {
		do(t, h, "POST", "/rest/companies", fmt.Sprintf(`{"name":"C%d"}`, i))
	}
	headBefore := int64(head(t, h))
	// Lose the third message from the end.
	lost := h.Queue[len(h.Queue)-3]
	var lostBody stream.Message
	_ = json.Unmarshal(lost.Body, &lostBody)
	h.Queue = append(h.Queue[:len(h.Queue)-3:len(h.Queue)-3], h.Queue[len(h.Queue)-2:]...)
	if err := h.DrainQueue(100, 20); err != nil {
		t.Fatalf("the gap stalled the queue: %v", err)
	}
	_, dl := do(t, h, "GET", "/admin/dead-letters", "")
	letters, _ := dl["deadLetters"].([]any)
	if len(letters) != 2 {
		t.Fatalf("dead letters: %v, want the 2 events behind the gap", dl)
	}
	// Later events flow: nothing behind the dead letters is retried to death.
	do(t, h, "POST", "/rest/companies", `{"name":"Later"}`)
	if err := h.DrainQueue(100, 2); err != nil {
		t.Fatalf("an event after the dead letters: %v", err)
	}
	if rows, _ := h.D1.Exec(`SELECT count(*) FROM consumed_events WHERE workspace = ? AND seq = ?`, ws, headBefore+1); rows.Int() != 1 {
		t.Fatal("the event after the dead letters was not consumed")
	}
	// The operator requeues the lost event and redrives the dead letters.
	if status, m := do(t, h, "POST", fmt.Sprintf("/admin/requeue?seq=%d", lostBody.Seq), ""); status != 200 {
		t.Fatalf("requeue: %d %v", status, m)
	}
	if status, m := do(t, h, "POST", "/admin/dead-letters/redrive", ""); status != 200 || len(m["redriven"].([]any)) != 2 {
		t.Fatalf("redrive: %d %v", status, m)
	}
	if err := h.DrainQueue(100, 2); err != nil {
		t.Fatal(err)
	}
	rows, _ := h.D1.Exec(`SELECT count(*), count(DISTINCT seq), max(seq) FROM consumed_events WHERE workspace = ?`, ws)
	if r := rows.Values[0]; r[0] != headBefore+1 || r[1] != headBefore+1 || r[2] != headBefore+1 {
		t.Fatalf("consumed (count, distinct, max) = %v, want every seq 1..%d once", r, headBefore+1)
	}
	if _, dl := do(t, h, "GET", "/admin/dead-letters", ""); len(dl["deadLetters"].([]any)) != 0 {
		t.Fatalf("dead letters left after the redrive: %v", dl)
	}
}
