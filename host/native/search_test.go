package native_test

import (
	"bytes"
	"strings"
	"testing"

	"edgecrm/host"
	"edgecrm/host/native"
)

// TestSearchSettlesBehindTheFlush: a create's search entry is written by
// the flush after it (durable/search.go), and a failure to write it holds
// up neither the flush (D1 reaches the head) nor the create; the next
// search settles it again and finds the record.
func TestSearchSettlesBehindTheFlush(t *testing.T) {
	h := native.MustNew(t)
	do(t, h, "GET", "/admin/state", "")
	db, err := h.Object(ws)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	host.LogOutput = &logs
	defer func() { host.LogOutput = nil }()
	if _, err := db.Exec(`ALTER TABLE company_fts RENAME TO company_fts_away`); err != nil {
		t.Fatal(err)
	}
	if status, _ := do(t, h, "POST", "/rest/companies", `{"name":"Umbrella"}`); status != 201 {
		t.Fatalf("create: %d", status)
	}
	if _, st := do(t, h, "GET", "/admin/state", ""); st["d1"] != st["head"] {
		t.Fatalf("the flush stopped at the search index: %v", st)
	}
	if !strings.Contains(logs.String(), "settling the search index failed") {
		t.Fatalf("no error logged for the failed settle: %s", logs.String())
	}
	if _, err := db.Exec(`ALTER TABLE company_fts_away RENAME TO company_fts`); err != nil {
		t.Fatal(err)
	}
	_, r := do(t, h, "POST", "/graphql", `{"query":"{ search(searchInput: \"umbrel\", limit: 5) { edges { node { objectNameSingular label } } } }"}`)
	edges := r["data"].(map[string]any)["search"].(map[string]any)["edges"].([]any)
	if len(edges) != 1 || edges[0].(map[string]any)["node"].(map[string]any)["label"] != "Umbrella" {
		t.Fatalf("search after the index came back: %v", r)
	}
}
