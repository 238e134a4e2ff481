package harness

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRetryProxyLoss(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		switch {
		case r.URL.Path == "/lost" && len(bodies)%2 == 1:
			w.Header().Set("retry-after", "0")
			w.WriteHeader(503)
			io.WriteString(w, ProxyLost+" Please try sending the request again. Only GET or HEAD requests are retried automatically.")
		case r.URL.Path == "/always":
			w.WriteHeader(503)
			io.WriteString(w, ProxyLost)
		case r.URL.Path == "/ours":
			w.WriteHeader(503)
			io.WriteString(w, `{"statusCode":503}`)
		default:
			w.WriteHeader(201)
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	c := &http.Client{Transport: &RetryProxyLoss{}}
	do := func(path string) (int, string) {
		t.Helper()
		resp, err := c.Post(srv.URL+path, "application/json", strings.NewReader(`{"n":1}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if s, b := do("/lost"); s != 201 || b != "ok" || len(bodies) != 2 || bodies[1] != `{"n":1}` {
		t.Fatalf("lost then sent again: %d %q, bodies %q", s, b, bodies)
	}
	bodies = nil
	if s, b := do("/ours"); s != 503 || b != `{"statusCode":503}` || len(bodies) != 1 {
		t.Fatalf("the Worker's own 503 must pass through once: %d %q, %d calls", s, b, len(bodies))
	}
	bodies = nil
	if s, _ := do("/always"); s != 503 || len(bodies) != 3 {
		t.Fatalf("bounded: %d after %d calls", s, len(bodies))
	}
}
