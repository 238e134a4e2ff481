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
