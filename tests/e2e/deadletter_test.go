package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"edgecrm/tests/harness"
)

// hookReceiver records the record names of the webhook POSTs it gets.
type hookReceiver struct {
	mu    sync.Mutex
	names []string
}

func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b struct{ Record struct{ Name string } }
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &b)
	rc.mu.Lock()
	rc.names = append(rc.names, b.Record.Name)
	rc.mu.Unlock()
	w.WriteHeader(200)
}

func (rc *hookReceiver) got() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	names := append([]string(nil), rc.names...)
	sort.Strings(names)
	return strings.Join(names, ",")
}

// A poison event is dead-lettered, listed with its error, redriven after
// the cause is fixed, and the events behind it are processed meanwhile.
// The cause is the test hook that makes the workspace object refuse one
// event when the queue consumer notifies it (TEST_HOOKS): the consumer
// retries that message alone (max_retries, then the DLQ) and acks the
// others; their webhook deliveries are the evidence they were processed.
func TestPoisonEventOnWorkerd(t *testing.T) {
	ws := "poison"
	rc := &hookReceiver{}
	recv := httptest.NewServer(rc) // 127.0.0.1: reachable from workerd
	defer recv.Close()
	status, m := call(t, srv.URL, "POST", "/rest/webhooks", ws, map[string]any{"targetUrl": recv.URL + "/hook", "operations": []string{"company.created"}})
	if status != 201 && status != 200 {
		t.Fatalf("create webhook: %d %v", status, m)
	}
	poison := int64(head(t, srv.URL, ws)) + 1
	if status, m := admin(t, srv.URL, "POST", ws, fmt.Sprintf("/selftest/poison?seq=%d", poison)); status != 200 {
		t.Fatalf("poison: %d %v", status, m)
	}
	for _, name := range []string{"Poison", "Behind1", "Behind2"} {
		if status, m := call(t, srv.URL, "POST", "/rest/companies", ws, fmt.Sprintf(`{"name":%q}`, name)); status != 201 {
			t.Fatalf("create %s: %d %v", name, status, m)
		}
	}
	crmctl := func(args ...string) map[string]any {
		t.Helper()
		args = append([]string{"run", filepath.Join(harness.Root(), "cmd", "crmctl")}, args...)
		args = append(args, "-url", srv.URL, "-workspace", workspaceID(t, srv.URL, ws), "-token", harness.AdminToken)
		out, err := exec.Command("go", args...).Output()
		var m map[string]any
		if err != nil || json.Unmarshal(out, &m) != nil {
			t.Fatalf("crmctl %v: %v\n%s", args, err, out)
		}
		return m
	}

	// The events behind the poison are processed while it is retried.
	if err := harness.Eventually(30*time.Second, func() error {
		if got := rc.got(); got != "Behind1,Behind2" {
			return fmt.Errorf("delivered %q", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// After max_retries it is dead-lettered, alone, and listed with its error.
	var letter map[string]any
	if err := harness.Eventually(60*time.Second, func() error {
		_, m := admin(t, srv.URL, "GET", ws, "/dead-letters")
		letters, _ := m["deadLetters"].([]any)
		if len(letters) != 1 {
			return fmt.Errorf("%d dead letters", len(letters))
		}
		letter = letters[0].(map[string]any)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if letter["seq"] != float64(poison) || !strings.Contains(fmt.Sprint(letter["error"]), "poisoned") {
		t.Fatalf("dead letter: seq %v attempts %v error %v", letter["seq"], letter["attempts"], letter["error"])
	}
	listed := crmctl("dead-letters")["deadLetters"].([]any)
	if len(listed) != 1 || listed[0].(map[string]any)["messageId"] != letter["messageId"] {
		t.Fatalf("crmctl dead-letters: %v", listed)
	}
	if got := rc.got(); got != "Behind1,Behind2" {
		t.Fatalf("delivered %q while the poison is dead", got)
	}

	// Fix the cause, redrive: the event is processed once, nothing is left.
	if status, m := admin(t, srv.URL, "POST", ws, "/selftest/poison?seq=0"); status != 200 {
		t.Fatalf("cure: %d %v", status, m)
	}
	if r := crmctl("redrive")["redriven"].([]any); len(r) != 1 {
		t.Fatalf("crmctl redrive: %v", r)
	}
	if err := harness.Eventually(30*time.Second, func() error {
		if got := rc.got(); got != "Behind1,Behind2,Poison" {
			return fmt.Errorf("delivered %q", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if left := crmctl("dead-letters")["deadLetters"].([]any); len(left) != 0 {
		t.Fatalf("dead letters left: %v", left)
	}
	_, c := admin(t, srv.URL, "GET", ws, "/consumed")
	seen := map[any]int{}
	for _, e := range c["consumed"].([]any) {
		seen[e.(map[string]any)["seq"]]++
	}
	if seen[float64(poison)] != 1 || seen[float64(poison+2)] != 1 {
		t.Fatalf("consumed: %v", seen)
	}
	if got := rc.got(); got != "Behind1,Behind2,Poison" {
		t.Fatalf("delivered %q at the end (a duplicate?)", got)
	}
}
