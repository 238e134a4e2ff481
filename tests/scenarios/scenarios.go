// Package scenarios is one table of black-box scenarios (requests and the
// outcome a client can observe) run against both hosts: natively through
// host/native (go test ./tests/scenarios) and on workerd through the e2e
// harness (tests/e2e, EDGECRM_E2E=1), so the two provably do the same.
package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"edgecrm/api/client"
)

// Target is a deployment: its base URL, the transport that reaches it and
// its admin token.
type Target struct {
	Base       string
	HTTP       *http.Client
	AdminToken string
	// Socket opens a graphql-transport-ws socket to workspace ws the
	// browser's way (no credentials on the upgrade).
	Socket func(ws string) (Socket, error)
	// Settle waits for the background work (outbox to D1 and the queue)
	// or returns at once where the host runs it synchronously.
	Settle func(check func() error) error
}

// Socket is a client WebSocket. Read returns the next text frame within a
// bounded wait, or "close <code>" once the server closed it.
type Socket interface {
	Send(frame string) error
	Read() (string, error)
}

// Step is one request and what its answer must show, or (Send, Expect) a
// frame to send on the scenario's socket (opened on first use) and a text
// the next frame received must contain. In Path and Body,
// {id} is the id the last creating step returned.
type Step struct {
	Method, Path, Body string
	Headers            []string // name, value, ...
	Status             int
	// Field, when set, names a path into the answer (a.b.c) whose value
	// must be Want.
	Field, Want string
	// SameID: the answer's created record has the id of the last create.
	SameID bool
	// HeadKept: the workspace's event log did not grow.
	HeadKept     bool
	Send, Expect string
	// Verified: D1 eventually equals the workspace's projection (the
	// outbox reached D1 and the queue).
	Verified bool
}

// Scenario is a named sequence of steps on a fresh workspace.
type Scenario struct {
	Name  string
	Steps []Step
}

const createCompany = `{"name":"Acme"}`

// All is the table.
var All = []Scenario{
	{"create then read", []Step{
		{Method: "POST", Path: "/rest/companies", Body: createCompany, Status: 201, Field: "data.createCompany.name", Want: "Acme"},
		{Method: "GET", Path: "/rest/companies/{id}", Status: 200, Field: "data.company.name", Want: "Acme"},
	}},
	{"a repeated idempotency key appends nothing", []Step{
		{Method: "POST", Path: "/rest/companies", Body: createCompany, Headers: []string{"idempotency-key", "k1"}, Status: 201},
		{Method: "POST", Path: "/rest/companies", Body: createCompany, Headers: []string{"idempotency-key", "k1"}, Status: 201, SameID: true, HeadKept: true},
	}},
	{"bad input is refused and rolled back", []Step{
		{Method: "POST", Path: "/rest/companies", Body: createCompany, Status: 201},
		{Method: "POST", Path: "/rest/companies", Body: `{"name":`, Status: 400, HeadKept: true},
		{Method: "PATCH", Path: "/rest/companies/{id}", Body: `{"noSuchField":1}`, Status: 400, HeadKept: true},
	}},
	{"a panic answers 500, rolls back, and the next request works", []Step{
		{Method: "POST", Path: "/rest/companies", Body: createCompany, Status: 201},
		{Method: "POST", Path: "/rest/companies", Body: `{"name":"boom"}`, Headers: []string{"x-test-panic", "after-append"}, Status: 500, HeadKept: true},
		{Method: "POST", Path: "/rest/companies", Body: `{"name":"after"}`, Status: 201, Field: "data.createCompany.name", Want: "after"},
	}},
	{"commits reach D1 through the outbox and the queue", []Step{
		{Method: "POST", Path: "/rest/companies", Body: createCompany, Status: 201},
		{Method: "PATCH", Path: "/rest/companies/{id}", Body: `{"employees":7}`, Status: 200, Verified: true},
	}},
	{"a subscriber receives the committed event; sign-out closes its socket", []Step{
		{Send: `{"type":"connection_init","payload":{"token":"{token}"}}`, Expect: `"connection_ack"`},
		{Send: `{"id":"1","type":"subscribe","payload":{"query":"subscription { onDbEvent(input: {}) { action recordId } }"}}`},
		{Send: `{"type":"ping","payload":{"sync":1}}`, Expect: `"pong"`}, // the subscribe was handled
		{Method: "POST", Path: "/rest/companies", Body: createCompany, Status: 201},
		{Expect: `"recordId":"{id}"`},
		{Method: "POST", Path: "/graphql", Body: `{"query":"mutation { signOut }"}`, Status: 200, Field: "data.signOut", Want: "true"},
		{Expect: "close 4401"},
		{Method: "GET", Path: "/rest/companies", Status: 401},
	}},
	{"pings before connection_init are bounded", []Step{
		{Send: `{"type":"ping","payload":{}}`, Expect: `"pong"`},
		{Send: `{"type":"ping","payload":{}}`, Expect: `"pong"`},
		{Send: `{"type":"ping","payload":{}}`, Expect: `"pong"`},
		{Send: `{"type":"ping","payload":{}}`, Expect: `"pong"`},
		{Send: `{"type":"ping","payload":{}}`, Expect: `"pong"`},
		{Send: `{"type":"ping","payload":{}}`, Expect: `"pong"`},
		{Send: `{"type":"ping","payload":{}}`, Expect: `"pong"`},
		{Send: `{"type":"ping","payload":{}}`, Expect: `"pong"`},
		{Send: `{"type":"ping","payload":{}}`, Expect: "close 4429"},
	}},
	// A filter no index serves, in an index's order: the page is a bounded
	// walk of the order's index (projections/query/walk.go), whose rows come
	// out of SQLite's co-routine in the walk's order; a short page reads
	// them again by a scan.
	{"a filtered page in an indexed order comes out in that order", []Step{
		{Method: "POST", Path: "/rest/batch/companies", Body: `[{"name":"Bx","employees":30},{"name":"By","employees":10},{"name":"Az","employees":5},{"name":"Bz","employees":20},{"name":"Bw"}]`, Status: 201},
		{Method: "POST", Path: "/graphql", Body: orderedPage(3), Status: 200, Field: "data.companies.edges.0.node.name", Want: "Bw"},
		{Method: "POST", Path: "/graphql", Body: orderedPage(3), Status: 200, Field: "data.companies.edges.2.node.name", Want: "Bz"},
		{Method: "POST", Path: "/graphql", Body: orderedPage(3), Status: 200, Field: "data.companies.pageInfo.hasNextPage", Want: "true"},
		{Method: "POST", Path: "/graphql", Body: orderedPage(10), Status: 200, Field: "data.companies.edges.3.node.name", Want: "Bx"},
		{Method: "POST", Path: "/graphql", Body: orderedPage(10), Status: 200, Field: "data.companies.pageInfo.hasNextPage", Want: "false"},
	}},
	{"without a token nothing is served", []Step{
		{Method: "GET", Path: "/rest/companies", Headers: []string{"authorization", ""}, Status: 401},
	}},
}

// Run runs every scenario against tg, each on its own workspace (prefix
// tells runs apart on a shared server).
func Run(t *testing.T, tg Target, prefix string) {
	for i, sc := range All {
		t.Run(sc.Name, func(t *testing.T) {
			r := &run{t: t, tg: tg}
			s, err := (&client.Client{Base: tg.Base, HTTP: tg.HTTP}).SignUpOrLogin(fmt.Sprintf("%s-sc%d@scenarios.test", prefix, i), "scenario password")
			if err != nil {
				t.Fatalf("session: %v", err)
			}
			r.token, r.ws = s.AccessToken, s.Workspace
			for n, st := range sc.Steps {
				r.step(n, st)
			}
		})
	}
}

type run struct {
	t         *testing.T
	tg        Target
	token, ws string
	id        string
	sock      Socket
}

func (r *run) fill(s string) string {
	return strings.NewReplacer("{id}", r.id, "{token}", r.token).Replace(s)
}

func (r *run) socketStep(n int, st Step) {
	t := r.t
	if r.sock == nil {
		var err error
		if r.sock, err = r.tg.Socket(r.ws); err != nil {
			t.Fatalf("step %d: open socket: %v", n, err)
		}
	}
	if st.Send != "" {
		if err := r.sock.Send(r.fill(st.Send)); err != nil {
			t.Fatalf("step %d: send: %v", n, err)
		}
	}
	if st.Expect != "" {
		got, err := r.sock.Read()
		if want := r.fill(st.Expect); err != nil || !strings.Contains(got, want) {
			t.Fatalf("step %d: received %q (%v), want it to contain %q", n, got, err, want)
		}
	}
}

func (r *run) step(n int, st Step) {
	t := r.t
	if st.Method == "" {
		r.socketStep(n, st)
		return
	}
	before := -1.0
	if st.HeadKept {
		before = r.head()
	}
	path := r.fill(st.Path)
	status, body := r.do(st.Method, path, r.fill(st.Body), r.token, st.Headers...)
	if status != st.Status {
		t.Fatalf("step %d %s %s: %d %v, want %d", n, st.Method, path, status, body, st.Status)
	}
	if st.Field != "" {
		if got := fmt.Sprint(dig(body, st.Field)); got != st.Want {
			t.Fatalf("step %d: %s = %q, want %q (%v)", n, st.Field, got, st.Want, body)
		}
	}
	id := createdID(body)
	if st.SameID && id != r.id {
		t.Fatalf("step %d: id %q, want the first create's %q", n, id, r.id)
	}
	if id != "" && st.Method == "POST" {
		r.id = id
	}
	if st.HeadKept && r.head() != before {
		t.Fatalf("step %d: the event log grew", n)
	}
	if st.Verified {
		err := r.tg.Settle(func() error {
			status, v := r.admin("/verify")
			if status != 200 || v["equal"] != true {
				return fmt.Errorf("verify: %d %v", status, v)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("step %d: %v", n, err)
		}
	}
}

func (r *run) head() float64 {
	status, st := r.admin("/state")
	if status != 200 {
		r.t.Fatalf("state: %d %v", status, st)
	}
	h, _ := st["head"].(float64)
	return h
}

func (r *run) admin(path string) (int, map[string]any) {
	return r.do("GET", "/admin/workspaces/"+r.ws+path, "", r.tg.AdminToken)
}

func (r *run) do(method, path, body, token string, headers ...string) (int, map[string]any) {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, r.tg.Base+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := r.tg.HTTP.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// orderedPage is a GraphQL page of the companies whose name starts with B,
// by employees (null first), first n.
func orderedPage(n int) string {
	return fmt.Sprintf(`{"query":"{ companies(filter: { name: { like: \"B%%\" } }, orderBy: [{ employees: AscNullsFirst }], first: %d) { edges { node { name } } pageInfo { hasNextPage } } }"}`, n)
}

// dig follows path (a.b.0.c: keys, and indexes into lists) into m.
func dig(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func createdID(body map[string]any) string {
	data, _ := body["data"].(map[string]any)
	for _, v := range data {
		if rec, ok := v.(map[string]any); ok {
			if id, ok := rec["id"].(string); ok {
				return id
			}
		}
	}
	return ""
}
