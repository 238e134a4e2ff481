package e2e

import "testing"

// selftest wakes workspace ws and answers the test-hook route path of its
// object (/selftest/...), failing the test unless it answers 200.
func selftest(t *testing.T, ws, path string) map[string]any {
	t.Helper()
	call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"wake"}`)
	status, m := admin(t, srv.URL, "GET", ws, path)
	if status != 200 {
		t.Fatalf("%s: %d %v", path, status, m)
	}
	return m
}

// The workerd bridge (cmd/worker/jsdb.go over ctx.storage.sql) passes the
// same sqldb conformance suite as modernc SQLite natively.
func TestSQLBridgeConformance(t *testing.T) {
	m := selftest(t, "sqldb-conformance", "/selftest/sqldb")
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
	m := selftest(t, "sqldb-bench", "/selftest/bridge?n=3")
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
