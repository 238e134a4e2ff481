// Package e2e runs black-box tests against a real `wrangler dev` (workerd
// with local D1, Queues and SQLite Durable Objects). They run only when
// EDGECRM_E2E=1 (make test sets it after building the wasm).
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"edgecrm/tests/harness"
)

var srv *harness.Wrangler

func TestMain(m *testing.M) {
	if os.Getenv("EDGECRM_E2E") != "1" {
		fmt.Println("e2e: skipped (set EDGECRM_E2E=1; make test does)")
		os.Exit(0)
	}
	// Every client here (http.DefaultClient, api/client) goes through
	// wrangler dev's proxy, which now and then loses a request on its way to
	// the Worker: send those again (harness.ProxyLost).
	http.DefaultTransport = &harness.RetryProxyLoss{Base: http.DefaultTransport}
	dir, err := os.MkdirTemp("", "edgecrm-e2e-")
	if err != nil {
		panic(err)
	}
	persist := filepath.Join(dir, "state")
	startExtraServers(dir) // auth_test.go: instances with other vars, started in the background
	defer stopExtraServers()
	if err := harness.MigrateD1(persist); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	// LOG_ENTRIES: every entry into Go logs its line, which
	// TestEntriesPerCreateCompany counts (deployed, a successful request
	// logs one line; tests/js/graphql.test.mjs holds that).
	srv, err = harness.Start(persist, "LOG_ENTRIES:true")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	code := m.Run()
	stopExtraServers()
	srv.Stop()
	if code != 0 {
		fmt.Println("---- wrangler logs (tail) ----")
		logs := srv.Logs()
		if len(logs) > 8000 {
			logs = logs[len(logs)-8000:]
		}
		fmt.Println(logs)
	} else {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// call sends a request and decodes a JSON answer. ws is a workspace alias
// (see sessionFor), "" for no token.
func call(t *testing.T, base, method, path, ws string, body any, headers ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ws != "" {
		// ws names a workspace by alias: its user signs up on first use
		// (auth_test.go) and the request carries that user's token.
		req.Header.Set("authorization", "Bearer "+sessionFor(t, base, ws).AccessToken)
	}
	req.Header.Set("content-type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s %s: status %d, body not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, m
}

func admin(t *testing.T, base, method, ws, path string) (int, map[string]any) {
	t.Helper()
	return call(t, base, method, "/admin/workspaces/"+workspaceID(t, base, ws)+path, "", nil, "authorization", "Bearer "+harness.AdminToken)
}

func head(t *testing.T, base, ws string) float64 {
	t.Helper()
	status, st := admin(t, base, "GET", ws, "/state")
	if status != 200 {
		t.Fatalf("state: %d %v", status, st)
	}
	return st["head"].(float64)
}

func created(t *testing.T, m map[string]any, op string) map[string]any {
	t.Helper()
	data, _ := m["data"].(map[string]any)
	rec, _ := data[op].(map[string]any)
	if rec == nil {
		t.Fatalf("no data.%s in %v", op, m)
	}
	return rec
}

// verifyEventually waits (bounded) until D1 equals the inline projection.
func verifyEventually(t *testing.T, ws string) {
	t.Helper()
	if err := harness.Eventually(20*time.Second, func() error {
		status, v := admin(t, srv.URL, "GET", ws, "/verify")
		if status != 200 || v["equal"] != true {
			return fmt.Errorf("verify: %d %v", status, v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
