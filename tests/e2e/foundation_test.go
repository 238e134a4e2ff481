package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecrm/tests/harness"
)

func TestRecordPipelineEndToEnd(t *testing.T) {
	ws := "pipeline"
	status, m := call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"Acme","employees":5}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, m)
	}
	id := created(t, m, "createCompany")["id"].(string)
	for i := 0; i < 3; i++ {
		call(t, srv.URL, "POST", "/rest/people", ws, fmt.Sprintf(`{"name":{"firstName":"P%d"},"companyId":%q}`, i, id))
	}
	call(t, srv.URL, "PATCH", "/rest/companies/"+id, ws, `{"name":"Acme Inc"}`)
	status, m = call(t, srv.URL, "PATCH", "/rest/companies/"+id, ws, `{"employees":7}`)
	rec := created(t, m, "updateCompany")
	if status != 200 || rec["name"] != "Acme Inc" || rec["employees"] != float64(7) {
		t.Fatalf("last-write-wins per field: %d %v", status, rec)
	}
	status, m = call(t, srv.URL, "GET", "/rest/companies/"+id, ws, nil)
	if status != 200 || m["data"].(map[string]any)["company"].(map[string]any)["name"] != "Acme Inc" {
		t.Fatalf("read: %d %v", status, m)
	}
	want := head(t, srv.URL, ws)

	// D1 projection catches up and equals the inline one.
	verifyEventually(t, ws)

	// The queue consumer saw every event once, in sequence order.
	var consumed []any
	if err := harness.Eventually(20*time.Second, func() error {
		_, c := admin(t, srv.URL, "GET", ws, "/consumed")
		consumed, _ = c["consumed"].([]any)
		if float64(len(consumed)) != want {
			return fmt.Errorf("consumed %d of %v events", len(consumed), want)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The page lists by seq; position is the order the consumer recorded in.
	for i, c := range consumed {
		if c.(map[string]any)["seq"] != float64(i+1) {
			t.Fatalf("consumed[%d] = %v, want seq %d", i, c, i+1)
		}
		if i > 0 && c.(map[string]any)["position"].(float64) <= consumed[i-1].(map[string]any)["position"].(float64) {
			t.Fatalf("consumed out of order at %d: %v after %v", i, c, consumed[i-1])
		}
	}
	// Pages of 2 chain through next to the same rows.
	var paged []any
	for after := "0"; after != ""; {
		_, c := admin(t, srv.URL, "GET", ws, "/consumed?limit=2&after="+after)
		page, _ := c["consumed"].([]any)
		if len(page) > 2 {
			t.Fatalf("a page of %d rows with limit=2", len(page))
		}
		paged = append(paged, page...)
		after = ""
		if next, ok := c["next"].(float64); ok {
			after = fmt.Sprint(next)
		}
	}
	if fmt.Sprint(paged) != fmt.Sprint(consumed) {
		t.Fatalf("paged: %v, want %v", paged, consumed)
	}

	// A redelivered message changes nothing.
	before := strings.Count(srv.Logs(), `"duplicates":1`)
	if status, r := admin(t, srv.URL, "POST", ws, "/requeue?seq=2"); status != 200 {
		t.Fatalf("requeue: %d %v", status, r)
	}
	if err := harness.Eventually(20*time.Second, func() error {
		if strings.Count(srv.Logs(), `"duplicates":1`) <= before {
			return fmt.Errorf("the consumer has not seen the redelivery yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, c := admin(t, srv.URL, "GET", ws, "/consumed")
	if again, _ := c["consumed"].([]any); len(again) != len(consumed) {
		t.Fatalf("redelivery changed consumed events: %d → %d", len(consumed), len(again))
	}
}

func TestRepeatedCommandIDAppendsNothing(t *testing.T) {
	ws := "idempotent"
	status, first := call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"Once"}`, "idempotency-key", "create-once")
	if status != 201 {
		t.Fatalf("create: %d %v", status, first)
	}
	h := head(t, srv.URL, ws)
	status, again := call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"Once"}`, "idempotency-key", "create-once")
	if status != 201 || created(t, again, "createCompany")["id"] != created(t, first, "createCompany")["id"] {
		t.Fatalf("retry: %d %v", status, again)
	}
	if head(t, srv.URL, ws) != h {
		t.Fatal("a repeated command id appended events")
	}
}

func TestPanicAnswers500AndNextRequestWorks(t *testing.T) {
	ws := "panics"
	call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"first"}`)
	h := head(t, srv.URL, ws)
	status, m := call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"boom"}`, "x-test-panic", "after-append")
	if status != 500 {
		t.Fatalf("panic: %d %v", status, m)
	}
	if head(t, srv.URL, ws) != h {
		t.Fatal("the panicking command left events behind")
	}
	if status, m := call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"after"}`); status != 201 {
		t.Fatalf("request after panic: %d %v", status, m)
	}
}

func TestBadInputIsRefusedAndAppendsNothing(t *testing.T) {
	ws := "badinput"
	call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"seed"}`)
	h := head(t, srv.URL, ws)
	cases := []struct {
		name, path, body string
		status           int
	}{
		{"malformed JSON", "/rest/companies", `{"name":`, 400},
		{"unknown object", "/rest/spaceships", `{"name":"x"}`, 400},
		{"unknown field", "/rest/companies", `{"nmae":"x"}`, 400},
		{"oversized body", "/rest/companies", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 413},
	}
	for _, c := range cases {
		status, m := call(t, srv.URL, "POST", c.path, ws, c.body)
		msgs, _ := m["messages"].([]any)
		if status != c.status || len(msgs) == 0 {
			t.Errorf("%s: %d %v, want %d with a message", c.name, status, m, c.status)
		}
	}
	if head(t, srv.URL, ws) != h {
		t.Fatal("refused input appended events")
	}
}

func TestReplayTwiceGivesIdenticalTables(t *testing.T) {
	ws := "replay"
	for i := 0; i < 5; i++ {
		call(t, srv.URL, "POST", "/rest/companies", ws, fmt.Sprintf(`{"name":"C%d"}`, i))
	}
	list := func() any {
		_, m := call(t, srv.URL, "GET", "/rest/companies?limit=100", ws, nil)
		return fmt.Sprint(m["data"])
	}
	before := list()
	for i := 0; i < 2; i++ {
		if status, r := admin(t, srv.URL, "POST", ws, "/replay"); status != 200 {
			t.Fatalf("replay: %d %v", status, r)
		}
		if after := list(); after != before {
			t.Fatalf("replay %d changed the records:\n%v\n%v", i+1, before, after)
		}
		verifyEventually(t, ws)
	}
}

func TestRecordSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	persist := filepath.Join(dir, "state")
	if err := harness.MigrateD1(persist); err != nil {
		t.Fatal(err)
	}
	w, err := harness.Start(persist)
	if err != nil {
		t.Fatal(err)
	}
	status, m := call(t, w.URL, "POST", "/rest/companies", "restart", `{"name":"Durable"}`)
	if status != 201 {
		w.Stop()
		t.Fatalf("create: %d %v", status, m)
	}
	id := created(t, m, "createCompany")["id"].(string)
	w.Stop()
	w, err = harness.Start(persist)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	status, m = call(t, w.URL, "GET", "/rest/companies/"+id, "restart", nil)
	if status != 200 || m["data"].(map[string]any)["company"].(map[string]any)["name"] != "Durable" {
		t.Fatalf("after restart: %d %v", status, m)
	}
	if _, err := os.Stat(persist); err != nil {
		t.Fatal(err)
	}
}

func TestCrmctlReplay(t *testing.T) {
	ws := "crmctl"
	call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"CLI"}`)
	out, err := exec.Command("go", "run", filepath.Join(harness.Root(), "cmd", "crmctl"), "replay",
		"-url", srv.URL, "-workspace", workspaceID(t, srv.URL, ws), "-token", harness.AdminToken).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"replayed"`) {
		t.Fatalf("crmctl replay: %v\n%s", err, out)
	}
	out, err = exec.Command("go", "run", filepath.Join(harness.Root(), "cmd", "crmctl"), "replay",
		"-url", srv.URL, "-workspace", workspaceID(t, srv.URL, ws), "-token", "wrong").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "401") {
		t.Fatalf("crmctl with a wrong token: %v\n%s", err, out)
	}
}

func TestCreatedByNamesTheMember(t *testing.T) {
	ws := "createdby"
	status, m := call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"Mine"}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, m)
	}
	by := created(t, m, "createCompany")["createdBy"].(map[string]any)
	_, members := call(t, srv.URL, "GET", "/rest/workspaceMembers", ws, nil)
	list := members["data"].(map[string]any)["workspaceMembers"].([]any)
	if len(list) != 1 {
		t.Fatalf("workspace members: %v", members)
	}
	member := list[0].(map[string]any)
	if by["workspaceMemberId"] != member["id"] || by["source"] != "MANUAL" {
		t.Fatalf("createdBy = %v, want the member %v", by, member["id"])
	}
}
