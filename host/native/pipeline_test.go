package native_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"edgecrm/durable/stream"
	"edgecrm/edge/consumer"
	"edgecrm/host"
	"edgecrm/host/native"
	"edgecrm/projections"
)

const ws = "acme"

func do(t *testing.T, h *native.Host, method, path, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	req := native.Request(method, path, body, headers...)
	resp, err := h.Fetch(ws, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("%s %s: body %q: %v", method, path, resp.Body, err)
	}
	return resp.Status, m
}

func head(t *testing.T, h *native.Host) float64 {
	t.Helper()
	_, st := do(t, h, "GET", "/admin/state", "")
	return st["head"].(float64)
}

func record(m map[string]any, op string) map[string]any {
	return m["data"].(map[string]any)[op].(map[string]any)
}

func TestCreateUpdateDeleteLastWriteWinsPerField(t *testing.T) {
	h := native.MustNew(t)
	status, m := do(t, h, "POST", "/rest/companies", `{"name":"Acme","employees":10,"domainName":{"primaryLinkUrl":"acme.com"}}`)
	if status != 201 {
		t.Fatalf("create status %d: %v", status, m)
	}
	id := record(m, "createCompany")["id"].(string)
	// Two updates naming different fields: both survive (LWW per field).
	do(t, h, "PATCH", "/rest/companies/"+id, `{"name":"Acme Inc"}`)
	status, m = do(t, h, "PATCH", "/rest/companies/"+id, `{"employees":12}`)
	rec := record(m, "updateCompany")
	if status != 200 || rec["name"] != "Acme Inc" || rec["employees"] != float64(12) ||
		rec["domainName"].(map[string]any)["primaryLinkUrl"] != "acme.com" {
		t.Fatalf("after updates: %d %v", status, rec)
	}
	status, m = do(t, h, "DELETE", "/rest/companies/"+id, "")
	if status != 200 || record(m, "deleteCompany")["deletedAt"] == nil {
		t.Fatalf("soft delete: %d %v", status, m)
	}
	if status, _ = do(t, h, "GET", "/rest/companies/"+id, ""); status != 404 {
		t.Fatalf("deleted record read: status %d, want 404", status)
	}
	if status, m = do(t, h, "GET", "/rest/companies", ""); m["totalCount"] != float64(0) {
		t.Fatalf("list after delete: %v", m)
	}
	status, m = do(t, h, "PATCH", "/rest/companies/"+id+"/restore", "")
	if status != 200 || record(m, "restoreCompany")["deletedAt"] != nil {
		t.Fatalf("restore: %d %v", status, m)
	}
}

func TestExpectedVersionConflict(t *testing.T) {
	h := native.MustNew(t)
	_, m := do(t, h, "POST", "/rest/companies", `{"name":"A"}`)
	id := record(m, "createCompany")["id"].(string)
	before := head(t, h)
	if status, m := do(t, h, "PATCH", "/rest/companies/"+id, `{"name":"B"}`, "if-match", "7"); status != 409 {
		t.Fatalf("stale version: %d %v", status, m)
	}
	if status, _ := do(t, h, "PATCH", "/rest/companies/"+id, `{"name":"B"}`, "if-match", "1"); status != 200 {
		t.Fatalf("current version refused: %d", status)
	}
	if head(t, h) != before+1 {
		t.Fatal("conflict appended an event")
	}
}

func TestRefusedInputAppendsNothing(t *testing.T) {
	h := native.MustNew(t)
	do(t, h, "GET", "/admin/state", "") // seed
	before := head(t, h)
	cases := []struct {
		name, method, path, body string
		status                   int
	}{
		{"malformed json", "POST", "/rest/companies", `{"name":`, 400},
		{"not an object", "POST", "/rest/companies", `[1,2]`, 400},
		{"unknown object", "POST", "/rest/spaceships", `{"name":"x"}`, 400},
		{"unknown field", "POST", "/rest/companies", `{"nmae":"x"}`, 400},
		{"oversized body", "POST", "/rest/companies", `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
		{"update missing record", "PATCH", "/rest/companies/0190aaaa-0000-7000-8000-000000000000", `{"name":"x"}`, 404},
		{"relation to nothing", "POST", "/rest/people", `{"companyId":"0190aaaa-0000-7000-8000-000000000000"}`, 400},
	}
	for _, c := range cases {
		status, m := do(t, h, c.method, c.path, c.body)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.status, m)
		}
		if msgs, _ := m["messages"].([]any); len(msgs) == 0 || msgs[0] == "" {
			t.Errorf("%s: no message in %v", c.name, m)
		}
	}
	if got := head(t, h); got != before {
		t.Fatalf("refused commands appended: head %v → %v", before, got)
	}
}

func TestRepeatedCommandIDAppendsNothing(t *testing.T) {
	h := native.MustNew(t)
	_, first := do(t, h, "POST", "/rest/companies", `{"name":"Once"}`, "idempotency-key", "cmd-1")
	before := head(t, h)
	status, again := do(t, h, "POST", "/rest/companies", `{"name":"Once"}`, "idempotency-key", "cmd-1")
	if status != 201 || !reflect.DeepEqual(first, again) {
		t.Fatalf("retry answered %d %v, want the original %v", status, again, first)
	}
	if head(t, h) != before {
		t.Fatal("retry appended")
	}
	if _, m := do(t, h, "GET", "/rest/companies", ""); m["totalCount"] != float64(1) {
		t.Fatalf("two records after a retried command: %v", m)
	}
}

func TestPanicRollsBackAndNextRequestWorks(t *testing.T) {
	h := native.MustNew(t)
	do(t, h, "GET", "/admin/state", "")
	before := head(t, h)
	status, m := do(t, h, "POST", "/rest/companies", `{"name":"Boom"}`, "x-test-panic", "after-append")
	if status != 500 {
		t.Fatalf("panic answered %d %v", status, m)
	}
	if head(t, h) != before {
		t.Fatal("a panicking command left its event")
	}
	if status, _ := do(t, h, "POST", "/rest/companies", `{"name":"Fine"}`); status != 201 {
		t.Fatalf("next request: %d", status)
	}
}

func TestD1ProjectionEqualsInlineAndReplayIsStable(t *testing.T) {
	h := native.MustNew(t)
	_, m := do(t, h, "POST", "/rest/companies", `{"name":"Acme"}`)
	cid := record(m, "createCompany")["id"].(string)
	for i := 0; i < 60; i++ { // more than one D1 batch
		do(t, h, "POST", "/rest/people", fmt.Sprintf(`{"name":{"firstName":"P%d","lastName":"L"},"companyId":%q,"emails":{"primaryEmail":"p%d@acme.com","additionalEmails":["x@y.z"]}}`, i, cid, i))
	}
	do(t, h, "PATCH", "/rest/companies/"+cid, `{"employees":3}`)
	status, v := do(t, h, "GET", "/admin/verify", "")
	if status != 200 || v["equal"] != true {
		t.Fatalf("verify: %d %v", status, v)
	}
	obj, _ := h.Object(ws)
	dump := func() any {
		a, err := native.Dump(obj, "person")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := native.Dump(h.D1, projections.D1Prefix(ws)+"person")
		return []any{a, b}
	}
	before := dump()
	for i := 0; i < 2; i++ {
		if status, r := do(t, h, "POST", "/admin/replay", ""); status != 200 {
			t.Fatalf("replay: %d %v", status, r)
		}
		if after := dump(); !reflect.DeepEqual(before, after) {
			t.Fatalf("replay %d changed the tables", i+1)
		}
		if _, v := do(t, h, "GET", "/admin/verify", ""); v["equal"] != true {
			t.Fatalf("verify after replay: %v", v)
		}
	}
}

func TestConsumerSeesEveryEventInOrderOnce(t *testing.T) {
	h := native.MustNew(t)
	for i := 0; i < 5; i++ {
		do(t, h, "POST", "/rest/companies", fmt.Sprintf(`{"name":"C%d"}`, i))
	}
	n := len(h.Queue)
	if n == 0 {
		t.Fatal("nothing was queued")
	}
	// Deliver in reverse order, in small batches: out-of-order messages are
	// retried until their predecessors arrive (reversed, a pass over the
	// queue may take only one: n passes of n/3 batches bound it).
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		h.Queue[i], h.Queue[j] = h.Queue[j], h.Queue[i]
	}
	if err := h.DrainQueue(3, n*n); err != nil {
		t.Fatal(err)
	}
	rows, err := h.D1.Exec(`SELECT seq FROM consumed_events WHERE workspace = ? ORDER BY rowid`, ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.Values) != n {
		t.Fatalf("consumed %d events, want %d", len(rows.Values), n)
	}
	for i, r := range rows.Values {
		if r[0].(int64) != int64(i+1) {
			t.Fatalf("consumed out of order: row %d is seq %v", i, r[0])
		}
	}
	// A redelivered message is acked and changes nothing.
	res, err := h.Consume([]consumer.Message{{ID: "again", Attempts: 2, Body: mustMessage(t, ws, 1)}})
	if err != nil || len(res.Acked) != 1 {
		t.Fatalf("redelivery: %+v %v", res, err)
	}
	if again, _ := h.D1.Exec(`SELECT count(*) FROM consumed_events`); again.Int() != int64(n) {
		t.Fatal("redelivery changed consumed_events")
	}
}

func mustMessage(t *testing.T, ws string, seq int64) json.RawMessage {
	b, err := json.Marshal(stream.Message{Workspace: ws, Seq: seq, ID: "x", Type: "company.created"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOutboxCatchesUpAfterD1Outage(t *testing.T) {
	h := native.MustNew(t)
	do(t, h, "GET", "/admin/state", "")
	h.FailD1 = true
	req := host.Request{Method: "POST", Path: "/rest/companies", Body: `{"name":"During outage"}`, Headers: map[string]string{}}
	resp, err := h.Fetch(ws, req)
	if resp == nil || resp.Status != 201 || err == nil {
		t.Fatalf("write during D1 outage: %v %v (want 201 and a flush error)", resp, err)
	}
	h.FailD1 = false
	if err := h.Flush(ws); err != nil {
		t.Fatal(err)
	}
	if _, v := do(t, h, "GET", "/admin/verify", ""); v["equal"] != true {
		t.Fatalf("after recovery: %v", v)
	}
}

// TestAdminConsumerPosition: /admin/consumer answers how far the queue
// consumer has recorded the log, from ?after= on.
func TestAdminConsumerPosition(t *testing.T) {
	h := native.MustNew(t)
	for i := 0; i < 3; i++ {
		if status, m := do(t, h, "POST", "/rest/companies", `{"name":"c"}`); status != 201 {
			t.Fatalf("create: %d %v", status, m)
		}
	}
	end := head(t, h)
	if _, m := do(t, h, "GET", "/admin/consumer", ""); m["consumer"] != 0.0 {
		t.Fatalf("before the consumer ran: %v", m)
	}
	if err := h.DrainQueue(100, 5); err != nil {
		t.Fatal(err)
	}
	if _, m := do(t, h, "GET", "/admin/consumer", ""); m["consumer"] != end {
		t.Fatalf("after the consumer ran: %v, head %v", m, end)
	}
	if _, m := do(t, h, "GET", fmt.Sprintf("/admin/consumer?after=%d", int(end)-1), ""); m["consumer"] != end {
		t.Fatalf("from just before the end: %v, head %v", m, end)
	}
}
