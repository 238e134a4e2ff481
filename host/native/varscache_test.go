package native_test

import (
	"encoding/json"
	"regexp"
	"strconv"
	"testing"

	"edgecrm/host"
	"edgecrm/host/native"
)

var statements = regexp.MustCompile(`desc="(\d+) statements"`)

// count is the statement count a response's Server-Timing reports.
func count(t *testing.T, r *host.Response) int {
	t.Helper()
	m := statements.FindStringSubmatch(r.Headers["server-timing"])
	if m == nil {
		t.Fatalf("no statement count in %q", r.Headers["server-timing"])
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// A call after a committed one takes its _state from memory (one statement
// fewer); after a call that did not commit, and after any call that may
// write _state past the call's Vars (an admin path, a socket), the next
// call reads storage again, and the log stays gapless.
func TestVarsKeptOnlyAfterACommit(t *testing.T) {
	h, ws := native.MustNewWorkspace(t, "vars")
	get := func() *host.Response {
		r, err := h.Fetch(ws, host.Request{Method: "GET", Path: "/rest/companies"})
		if err != nil || r.Status != 200 {
			t.Fatalf("GET: %v %+v", err, r)
		}
		return r
	}
	create := func(name string, headers ...string) *host.Response {
		r, err := h.Fetch(ws, native.Request("POST", "/rest/companies", `{"name":"`+name+`"}`, headers...))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	get()                    // the workspace is created and seeded (which changes the metadata: nothing kept)
	fresh := count(t, get()) // _state read (and the schema loaded)
	read := count(t, get())
	if read >= fresh {
		t.Fatalf("reads in a row: %d then %d statements", fresh, read)
	}
	if r := create("a"); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if n := count(t, get()); n != read {
		t.Fatalf("read after a committed create: %d statements, want %d", n, read)
	}
	if r := create("boom", "x-test-panic", "after-append"); r.Status != 500 {
		t.Fatalf("panicking create: %d", r.Status)
	}
	if n := count(t, get()); n != read+1 {
		t.Fatalf("read after a rolled-back call: %d statements, want %d (its _state read)", n, read+1)
	}
	if r := create("after"); r.Status != 201 {
		t.Fatalf("create after the rollback: %d %s", r.Status, r.Body)
	}
	state, err := h.Fetch(ws, host.Request{Method: "GET", Path: "/admin/state"})
	if err != nil || state.Status != 200 {
		t.Fatalf("state: %v %+v", err, state)
	}
	if n := count(t, get()); n != read+1 {
		t.Fatalf("read after an admin call: %d statements, want %d", n, read+1)
	}
	var cp map[string]int64
	if err := json.Unmarshal([]byte(state.Body), &cp); err != nil {
		t.Fatal(err)
	}
	evs, err := h.Fetch(ws, host.Request{Method: "GET", Path: "/admin/events", Query: "after=0&limit=1000"})
	if err != nil || evs.Status != 200 {
		t.Fatalf("events: %v %+v", err, evs)
	}
	var log struct {
		Events []struct{ Seq int64 } `json:"events"`
	}
	if err := json.Unmarshal([]byte(evs.Body), &log); err != nil {
		t.Fatal(err)
	}
	for i, e := range log.Events {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: the log has a gap", i+1, e.Seq)
		}
	}
	if int64(len(log.Events)) != cp["head"] || cp["head"] == 0 {
		t.Fatalf("head %d, %d events", cp["head"], len(log.Events))
	}
}
