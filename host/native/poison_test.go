package native_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"edgecrm/host/native"
)

// A poison event (the object refuses it when notified: the test hook) is
// retried alone and dead-lettered with its error, while the events
// notified in the same batch are taken; once cured, the redriven event is
// delivered, once.
func TestPoisonEventIsDeadLetteredAlone(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := native.MustNew(t)
	h.MaxRetries = 2
	q := fmt.Sprintf(`mutation { createWebhook(input: {targetUrl: %q, operations: ["company.created"]}) { id } }`, srv.URL)
	if status, m := do(t, h, "POST", "/metadata", mustJSON(map[string]any{"query": q})); status != 200 {
		t.Fatalf("createWebhook: %d %v", status, m)
	}
	poison := int64(head(t, h)) + 1
	if status, m := do(t, h, "POST", fmt.Sprintf("/admin/selftest/poison?seq=%d", poison), ""); status != 200 {
		t.Fatalf("poison: %d %v", status, m)
	}
	for _, name := range []string{"Poison", "B", "C"} { // one queue batch
		do(t, h, "POST", "/rest/companies", fmt.Sprintf(`{"name":%q}`, name))
	}
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	delivered := func() []string {
		t.Helper()
		if _, err := h.FireAlarm(ws); err != nil {
			t.Fatal(err)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		var names []string
		for _, b := range rc.body {
			var m struct{ Record struct{ Name string } }
			_ = json.Unmarshal([]byte(b), &m)
			names = append(names, m.Record.Name)
		}
		sort.Strings(names)
		return names
	}
	if got := delivered(); fmt.Sprint(got) != "[B C]" {
		t.Fatalf("delivered %v while the poison waits, want [B C]", got)
	}
	_, m := do(t, h, "GET", "/admin/dead-letters", "")
	letters := m["deadLetters"].([]any)
	if len(letters) != 1 {
		var seqs []any
		for _, l := range letters {
			seqs = append(seqs, l.(map[string]any)["seq"])
		}
		t.Fatalf("dead letters at seqs %v, want the poison (%d) alone", seqs, poison)
	}
	dl := letters[0].(map[string]any)
	if dl["seq"] != float64(poison) || !strings.Contains(fmt.Sprint(dl["error"]), "poisoned") {
		t.Fatalf("dead letter %v", dl)
	}

	// Cure the cause, redrive: delivered once, and nothing is left.
	do(t, h, "POST", "/admin/selftest/poison?seq=0", "")
	if status, m := do(t, h, "POST", "/admin/dead-letters/redrive", ""); status != 200 {
		t.Fatalf("redrive: %d %v", status, m)
	}
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	if got := delivered(); fmt.Sprint(got) != "[B C Poison]" {
		t.Fatalf("delivered %v after the redrive", got)
	}
	if _, m := do(t, h, "GET", "/admin/dead-letters", ""); len(m["deadLetters"].([]any)) != 0 {
		t.Fatalf("dead letters left: %v", m)
	}
}

// An event the notice refuses starts no workflow run (the consumer
// retries it); once cured and redriven it starts one.
func TestRefusedEventStartsNoRun(t *testing.T) {
	h := native.MustNew(t)
	h.MaxRetries = 2
	_, ver := newWorkflow(t, h, `{"type":"DATABASE_EVENT","settings":{"eventName":"company.created"},"nextStepIds":["e"]}`,
		`[{"id":"e","name":"Noop","type":"EMPTY","valid":true,"settings":{"input":{}}}]`)
	gqlOK(t, h, `mutation($v: UUID!) { activateWorkflowVersion(workflowVersionId: $v) }`, map[string]any{"v": ver})
	poison := int64(head(t, h)) + 1
	do(t, h, "POST", fmt.Sprintf("/admin/selftest/poison?seq=%d", poison), "")
	do(t, h, "POST", "/rest/companies", `{"name":"Poison"}`)
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	if rs := runs(t, h); len(rs) != 0 {
		t.Fatalf("a refused event started %d runs", len(rs))
	}
	do(t, h, "POST", "/admin/selftest/poison?seq=0", "")
	do(t, h, "POST", "/admin/dead-letters/redrive", "")
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	if rs := runs(t, h); len(rs) != 1 {
		t.Fatalf("after the redrive: %d runs, want 1", len(rs))
	}
}
