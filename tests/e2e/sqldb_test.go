package e2e

import "testing"

// The workerd bridge (cmd/worker/jsdb.go over ctx.storage.sql) passes the
// same sqldb conformance suite as modernc SQLite natively.
func TestSQLBridgeConformance(t *testing.T) {
	ws := "sqldb-conformance"
	call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"wake"}`)
	status, m := admin(t, srv.URL, "GET", ws, "/selftest/sqldb")
	if status != 200 {
		t.Fatalf("selftest: %d %v", status, m)
	}
	failures, ok := m["failures"].([]any)
	if !ok && m["failures"] != nil {
		t.Fatalf("selftest answered %v", m)
	}
	for _, f := range failures {
		t.Error(f)
	}
}

// The bridge benchmark route answers every case with counts that follow
// from n (the times themselves are not asserted).
func TestSQLBridgeBenchRoute(t *testing.T) {
	ws := "sqldb-bench"
	call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"wake"}`)
	status, m := admin(t, srv.URL, "GET", ws, "/selftest/bridge?n=3")
	if status != 200 {
		t.Fatalf("bridge bench: %d %v", status, m)
	}
	cases, _ := m["cases"].([]any)
	if m["n"] != 3.0 || len(cases) != 4 {
		t.Fatalf("bridge bench answered %v", m)
	}
	for _, c := range cases {
		c := c.(map[string]any)
		if c["statements"].(float64) < 3 || c["nsPerStatement"].(float64) < 0 {
			t.Errorf("case %v", c)
		}
	}
	if cells := cases[1].(map[string]any)["cells"]; cells != 3000.0 {
		t.Errorf("100 rows × 10 columns × 3 gave %v cells", cells)
	}
}
