package native

import (
	"io"
	"net/http"
	"strings"

	"edgecrm/host"
)

// RoundTripper serves HTTP requests through the edge of h (Edge), so a
// client written for a deployed Worker (api/client, the scenario suite)
// runs unchanged against the native host. The URL's host is ignored.
func (h *Host) RoundTripper() http.RoundTripper { return roundTripper{h} }

type roundTripper struct{ h *Host }

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	headers := map[string]string{}
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	resp, err := rt.h.Edge(host.Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Headers: headers, Body: string(body)})
	if err != nil {
		return nil, err
	}
	out := &http.Response{StatusCode: resp.Status, Status: http.StatusText(resp.Status), Header: http.Header{},
		Body: io.NopCloser(strings.NewReader(resp.Body)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	for k, v := range resp.Headers {
		out.Header.Set(k, v)
	}
	return out, nil
}
