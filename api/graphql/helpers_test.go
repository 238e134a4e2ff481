package graphql_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"edgecrm/api/graphql"
	"edgecrm/durable"
	"edgecrm/host"
	"edgecrm/host/native"
)

const ws = "acme"

// serveOn answers GraphQL queries on w, failing tb on any error.
func serveOn(tb testing.TB, w *durable.Workspace) func(q string) string {
	return func(q string) string {
		tb.Helper()
		body, _ := json.Marshal(map[string]any{"query": q})
		res, err := graphql.Serve(w, &host.Request{Method: "POST", Path: "/graphql", Body: string(body), Headers: map[string]string{}})
		if err != nil || res.Response.Status != 200 || strings.Contains(res.Response.Body, `"errors"`) {
			tb.Fatalf("%.200s: %v %v", q, err, res.Response)
		}
		return res.Response.Body
	}
}

// result is a decoded GraphQL response.
type result struct {
	Status int
	Data   map[string]any
	Errors []gqlErr
	Raw    string
}

type gqlErr struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (r result) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	s, _ := r.Errors[0].Extensions["code"].(string)
	return s
}

// gql posts a GraphQL request; vars and headers are optional.
func gql(t *testing.T, h *native.Host, query string, vars map[string]any, headers ...string) result {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return post(t, h, string(body), headers...)
}

func post(t *testing.T, h *native.Host, body string, headers ...string) result {
	t.Helper()
	req := host.Request{Method: "POST", Path: "/graphql", Body: body, Headers: map[string]string{"content-type": "application/json"}}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Headers[headers[i]] = headers[i+1]
	}
	resp, err := h.Fetch(ws, req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []gqlErr       `json:"errors"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatalf("response %d %q: %v", resp.Status, resp.Body, err)
	}
	return result{Status: resp.Status, Data: out.Data, Errors: out.Errors, Raw: resp.Body}
}

// ok fails unless r is a 200 without errors.
func ok(t *testing.T, r result) result {
	t.Helper()
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("status %d, errors %v\n%s", r.Status, r.Errors, r.Raw)
	}
	return r
}

// dig walks a decoded JSON value: keys for objects, ints for lists.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := dig(v, path...).(string); return s }

// nodes returns the edges' nodes of a connection.
func nodes(conn any) []map[string]any {
	var out []map[string]any
	for _, e := range dig(conn, "edges").([]any) {
		out = append(out, dig(e, "node").(map[string]any))
	}
	return out
}

// names returns field key of each node, in order.
func names(conn any, key ...any) []string {
	if len(key) == 0 {
		key = []any{"name"}
	}
	var out []string
	for _, n := range nodes(conn) {
		out = append(out, fmt.Sprint(dig(n, key...)))
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// head returns the workspace's last event sequence number.
func head(t *testing.T, h *native.Host) float64 {
	t.Helper()
	resp, err := h.Fetch(ws, host.Request{Method: "GET", Path: "/admin/state", Headers: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &st); err != nil {
		t.Fatal(err)
	}
	return st["head"].(float64)
}

// jsonStr renders v as GraphQL/JSON literal text for building queries.
func jsonStr(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	return m
}
