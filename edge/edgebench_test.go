package edge_test

import (
	"encoding/json"
	"testing"

	"edgecrm/edge"
	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/host/native"
)

// BenchmarkEdgeFetchVerified measures the edge's Go entry for a request by
// a principal it verified moments ago (the common case: no KV read).
func BenchmarkEdgeFetchVerified(b *testing.B) {
	h := native.MustNew(b)
	if err := h.ConfigureAuth(map[string]string{"RATE_LIMIT_WORKSPACE": "1000000", "RATE_LIMIT_IP": "1000000"}); err != nil {
		b.Fatal(err)
	}
	c := &client{t: b, h: h, ip: "198.51.100.7"}
	s := c.signUpAndLogIn("a@example.com", "password a", "")
	req := native.Request("GET", "/rest/companies", "", "cf-connecting-ip", c.ip)
	req.Headers["authorization"] = "Bearer " + s.Access
	for k, v := range map[string]string{"accept": "*/*", "accept-encoding": "gzip, deflate", "user-agent": "node", "host": "127.0.0.1:8787", "content-type": "application/json"} {
		req.Headers[k] = v
	}
	if r, err := h.Edge(req); err != nil || r.Status != 200 {
		b.Fatalf("%v %v", err, r)
	}
	raw, _ := json.Marshal(dispatch.Input{Request: &host.Request{Method: req.Method, Path: req.Path, Headers: req.Headers}, Env: h.Env})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := dispatch.Dispatch(edge.EntryFetch, raw, nil)
		if len(out.Effects) == 0 {
			b.Fatalf("no forward: %+v", out.Response)
		}
	}
}

// BenchmarkEdgeFetchNoToken measures the edge's Go entry refusing a
// request without a token (401): the shortest path through it.
func BenchmarkEdgeFetchNoToken(b *testing.B) {
	h := native.MustNew(b)
	if err := h.ConfigureAuth(nil); err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(dispatch.Input{Request: &host.Request{Method: "GET", Path: "/rest/companies", Headers: map[string]string{"user-agent": "node", "accept": "*/*"}}, Env: h.Env})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out := dispatch.Dispatch(edge.EntryFetch, raw, nil); out.Response == nil && len(out.Effects) == 0 {
			b.Fatalf("no answer and no effects")
		}
	}
}
