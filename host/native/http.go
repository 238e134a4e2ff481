package native

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"edgecrm/host"
)

// httpFetch runs an http.fetch effect with net/http, as the shell runs it
// with fetch: the whole body is read, headers come back lower case.
func httpFetch(e host.Effect) (json.RawMessage, error) {
	method := e.Method
	if method == "" {
		method = http.MethodGet
	}
	timeout := time.Duration(e.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	var body io.Reader
	if e.Body != "" {
		body = strings.NewReader(e.Body)
	}
	req, err := http.NewRequest(method, e.URL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range e.Headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	res := host.HTTPResult{Status: resp.StatusCode, Body: string(b), Headers: map[string]string{}}
	for k := range resp.Header {
		res.Headers[strings.ToLower(k)] = resp.Header.Get(k)
	}
	return json.Marshal(res)
}
