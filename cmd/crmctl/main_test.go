package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"edgecrm/host/native"
)

// crmctl dead-letters lists a workspace's dead letters and crmctl redrive
// sends them to the queue again, through the edge's admin routes (the
// native host serves them as the Worker does).
func TestDeadLettersAndRedrive(t *testing.T) {
	h, ws := native.MustNewWorkspace(t, "crmctl")
	h.MaxRetries = 1
	for i := 0; i < 3; i++ {
		req := native.Request("POST", "/rest/companies", fmt.Sprintf(`{"name":"C%d"}`, i))
		if resp, err := h.Fetch(ws, req); err != nil || resp.Status != 201 {
			t.Fatalf("create: %v %v", resp, err)
		}
	}
	// Lose the first company's message: the two behind it are dead-lettered.
	n := len(h.Queue)
	lost := h.Queue[n-3]
	h.Queue = append(h.Queue[:n-3:n-3], h.Queue[n-2:]...)
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: h.RoundTripper()}
	run := func(cmd, id string) map[string]any {
		t.Helper()
		method, path, ok := adminRoute(cmd, ws, id)
		if !ok {
			t.Fatalf("no route for %s", cmd)
		}
		var out bytes.Buffer
		if err := adminCall(c, "http://native", native.AdminToken, method, path, &out); err != nil {
			t.Fatalf("%s: %v (%s)", cmd, err, out.String())
		}
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("%s printed %q", cmd, out.String())
		}
		return m
	}
	letters := run("dead-letters", "")["deadLetters"].([]any)
	if len(letters) != 2 {
		t.Fatalf("%d dead letters, want 2", len(letters))
	}
	one := letters[0].(map[string]any)["messageId"].(string)
	if got := run("redrive", one)["redriven"].([]any); len(got) != 1 || got[0] != one {
		t.Fatalf("redrive -id %s: %v", one, got)
	}
	if got := run("redrive", "")["redriven"].([]any); len(got) != 1 {
		t.Fatalf("redrive: %v", got)
	}
	h.Queue = append(h.Queue, lost)
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	if rows, _ := h.D1.Exec(`SELECT count(DISTINCT seq) FROM consumed_events WHERE workspace = ?`, ws); rows.Int() != int64(n) {
		t.Fatalf("consumed %d events after the redrive, want %d", rows.Int(), n)
	}
	if left := run("dead-letters", "")["deadLetters"].([]any); len(left) != 0 {
		t.Fatalf("dead letters left: %v", left)
	}
}
