package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"edgecrm/tests/harness"
)

// TestQueueConsumerSurvivesKill kills wrangler dev (SIGKILL of the whole
// process group) while the EVENTS consumer is still working through a burst,
// restarts it on the same persisted state, and checks that the consumer ends
// up having consumed every event of the log exactly once, in order.
func TestQueueConsumerSurvivesKill(t *testing.T) {
	// Known defect (issue #11): the local queue keeps pending messages in
	// memory only, and the stream's queue checkpoint has already moved past
	// them, so a kill -9 loses them and the consumer waits behind the gap for
	// ever. Nothing re-sends from the consumer's position yet. Run it with
	// EDGECRM_KNOWN_DEFECTS=1; it fails until the stream re-sends.
	if os.Getenv("EDGECRM_KNOWN_DEFECTS") == "" {
		t.Skip("known defect: messages the local queue held at a kill -9 are never re-sent (set EDGECRM_KNOWN_DEFECTS=1 to run)")
	}
	persist := filepath.Join(t.TempDir(), "state")
	if err := harness.MigrateD1(persist); err != nil {
		t.Fatal(err)
	}
	w, err := harness.Start(persist)
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

	w, err = harness.Start(persist)
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
	// Each consumed row is the log's event at that seq, once, in seq order.
	_, l := admin(t, w.URL, "GET", ws, "/events?limit=1000")
	log, _ := l["events"].([]any)
	if float64(len(log)) != want || float64(len(consumed)) != want {
		t.Fatalf("log has %d events, consumed %d, head %v", len(log), len(consumed), want)
	}
	for i, row := range consumed {
		r := row.(map[string]any)
		ev := log[i].(map[string]any)
		if r["seq"] != float64(i+1) || fmt.Sprint(r["eventId"]) != fmt.Sprint(ev["id"]) {
			raw, _ := json.Marshal(ev)
			t.Fatalf("consumed[%d] = %v, log event %s", i, r, raw)
		}
	}
}
