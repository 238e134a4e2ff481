package native

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"edgecrm/host"
)

func TestHTTPFetchSendsAndAnswersWhole(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Key", r.Header.Get("Idempotency-Key"))
		w.WriteHeader(202)
		w.Write([]byte(r.Method + " " + string(b)))
	}))
	defer srv.Close()
	raw, err := httpFetch(host.Effect{Kind: host.EffectHTTP, URL: srv.URL, Method: "POST", Body: "hi", Headers: map[string]string{"idempotency-key": "k1"}})
	if err != nil {
		t.Fatal(err)
	}
	var res host.HTTPResult
	json.Unmarshal(raw, &res)
	if res.Status != 202 || res.Body != "POST hi" || res.Headers["x-echo-key"] != "k1" {
		t.Fatalf("got %+v", res)
	}
	if _, err := httpFetch(host.Effect{Kind: host.EffectHTTP, URL: "http://127.0.0.1:1/"}); err == nil {
		t.Fatal("a refused connection must be the effect's error")
	}
}
