package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecrm/durable/stream"
	"edgecrm/tests/harness"
)

// TestQueueConsumerSurvivesKill kills wrangler dev (SIGKILL of the whole
// process group) while the EVENTS consumer is still working through a burst,
// restarts it on the same persisted state, and checks that the consumer ends
// up having consumed every event of the log exactly once, in order.
//
// The local queue keeps pending messages in memory only, so the kill loses
// them while the stream's queue checkpoint is already past them: the
// workspace object's watch of its consumer (durable/stream/resend.go) sees
// the consumer stand still behind the checkpoint for a quiet period (2 s
// here), rewinds the checkpoint to the consumer's position and re-sends.
func TestQueueConsumerSurvivesKill(t *testing.T) {
	quiet := stream.EnvResendQuietMs + ":2000"
	persist := filepath.Join(t.TempDir(), "state")
	if err := harness.MigrateD1(persist); err != nil {
		t.Fatal(err)
	}
	w, err := harness.Start(persist, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ws := workspaceID(t, w.URL, "qkill")
	// The burst: three batches of 40 companies, 120 events in a few requests,
	// so the consumer has work left when the kill lands.
	for b := 0; b < 3; b++ {
		recs := make([]map[string]any, 40)
		for i := range recs {
			recs[i] = map[string]any{"name": fmt.Sprintf("Burst %d-%d", b, i)}
		}
		if status, m := call(t, w.URL, "POST", "/rest/batch/companies", "qkill", recs); status != 201 {
			t.Fatalf("batch %d: %d %v", b, status, m)
		}
	}
	_, c := admin(t, w.URL, "GET", ws, "/consumed")
	before, _ := c["consumed"].([]any)
	want := head(t, w.URL, ws)
	w.Kill() // mid-batch
	t.Logf("killed with %d of %v events consumed", len(before), want)
	if float64(len(before)) >= want {
		t.Fatalf("the consumer had already consumed all %v events before the kill: the test did not kill mid-batch", want)
	}

	w, err = harness.Start(persist, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if got := head(t, w.URL, ws); got != want {
		t.Fatalf("log head after restart: %v, want %v", got, want)
	}
	var consumed []any
	if err := harness.Eventually(90*time.Second, func() error {
		_, c := admin(t, w.URL, "GET", ws, "/consumed")
		consumed, _ = c["consumed"].([]any)
		if float64(len(consumed)) < want {
			return fmt.Errorf("consumed %d of %v events", len(consumed), want)
		}
		return nil
	}); err != nil {
		// The outbox's queue checkpoint says what it handed to EVENTS.
		_, st := admin(t, w.URL, "GET", ws, "/state")
		t.Fatalf("the consumer did not catch up after the restart: %v (checkpoints %v)", err, st)
	}
	// Each consumed row is the log's event at that seq, once, recorded in
	// seq order (position).
	_, l := admin(t, w.URL, "GET", ws, "/events?limit=1000")
	log, _ := l["events"].([]any)
	if float64(len(log)) != want || float64(len(consumed)) != want {
		t.Fatalf("log has %d events, consumed %d, head %v", len(log), len(consumed), want)
	}
	seen := map[string]bool{}
	for i, row := range consumed {
		r := row.(map[string]any)
		ev := log[i].(map[string]any)
		if r["seq"] != float64(i+1) || fmt.Sprint(r["eventId"]) != fmt.Sprint(ev["id"]) ||
			i > 0 && r["position"].(float64) <= consumed[i-1].(map[string]any)["position"].(float64) {
			raw, _ := json.Marshal(ev)
			t.Fatalf("consumed[%d] = %v, log event %s", i, r, raw)
		}
		if id := fmt.Sprint(r["eventId"]); seen[id] {
			t.Fatalf("event %s consumed twice", id)
		} else {
			seen[id] = true
		}
	}
	// Nothing applied twice downstream either: D1's read models equal the
	// object's inline projection, and there are exactly the 120 companies.
	if status, v := admin(t, w.URL, "GET", ws, "/verify"); status != 200 || v["equal"] != true {
		t.Fatalf("verify: %d %v", status, v)
	}
	if status, m := call(t, w.URL, "GET", "/rest/companies?limit=1", "qkill", nil); status != 200 || m["totalCount"] != float64(120) {
		t.Fatalf("companies: %d totalCount %v", status, m["totalCount"])
	}
	if strings.Contains(w.Logs(), "re-sending from its position") {
		t.Log("the stream re-sent what the killed queue lost")
	}
}
