package native_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"edgecrm/auth"
	"edgecrm/durable/backpressure"
	"edgecrm/host/native"
)

// When the stream lags beyond the threshold, bulk writes get 429 with
// Retry-After, the alarm calls the alert webhook once for the episode,
// and when the stream drains bulk writes pass again.
func TestBackpressure(t *testing.T) {
	rc := &receiver{fail: map[int]bool{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	if err := auth.Configure(map[string]string{backpressure.EnvMaxLag: "5", backpressure.EnvAlertURL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Configure(map[string]string{}) })
	h := native.MustNew(t)
	h.FailD1 = true // the outbox stalls: nothing reaches the queue
	write := func(path, body string) int {
		t.Helper()
		resp, _ := h.Fetch(ws, native.Request("POST", path, body)) // the flush fails by design
		if resp == nil {
			t.Fatalf("POST %s: no response", path)
		}
		if resp.Status == 429 && resp.Headers["retry-after"] == "" {
			t.Fatalf("429 without Retry-After: %v", resp.Headers)
		}
		return resp.Status
	}
	for i := 0; i < 3; i++ {
		if s := write("/rest/companies", `{"name":"one by one"}`); s != 201 {
			t.Fatalf("single create while lagging: %d", s)
		}
	}
	if s := write("/rest/batch/companies", `[{"name":"a"},{"name":"b"}]`); s != 429 {
		t.Fatalf("bulk create while lagging: %d, want 429", s)
	}
	q, _ := json.Marshal(map[string]any{"query": `mutation { createCompanies(data: [{name: "x"}]) { id } }`})
	if s := write("/graphql", string(q)); s != 429 {
		t.Fatalf("createCompanies while lagging: %d, want 429", s)
	}
	for i := 0; i < 3; i++ {
		if _, ok := h.Alarm(ws); !ok {
			t.Fatalf("round %d: no alarm while lagging", i)
		}
		h.FireAlarm(ws) // its flush fails: D1 is still down
	}
	if len(rc.got) != 1 {
		t.Fatalf("%d alerts, want 1 per episode", len(rc.got))
	}
	var alert map[string]any
	_ = json.Unmarshal([]byte(rc.body[0]), &alert)
	if alert["workspaceId"] != ws || alert["lag"].(float64) <= 5 {
		t.Fatalf("alert: %v", alert)
	}
	h.FailD1 = false
	if err := h.Flush(ws); err != nil {
		t.Fatal(err)
	}
	if s := write("/rest/batch/companies", `[{"name":"a"},{"name":"b"}]`); s != 201 {
		t.Fatalf("bulk create after the drain: %d", s)
	}
	if _, err := h.FireAlarm(ws); err != nil { // ends the episode
		t.Fatal(err)
	}
	h.FailD1 = true
	for i := 0; i < 8; i++ {
		write("/rest/companies", `{"name":"again"}`)
	}
	h.FireAlarm(ws)
	if len(rc.got) != 2 {
		t.Fatalf("%d alerts after a second episode, want 2", len(rc.got))
	}
}
