package harness

import (
	"bytes"
	"io"
	"net/http"
)

// ProxyLost is how wrangler dev (4.86) answers a non-GET request its proxy
// lost on the way to the Worker: a 503 with this text (and Retry-After: 0).
//
// `wrangler dev` answers on a ProxyWorker (a separate workerd) that fetches
// from the Worker's runtime over pooled keep-alive connections. Both ends
// close an idle connection after 5 s (kj's client idleTimeout and server
// pipelineTimeout), so a request written to a connection idle about that
// long can meet the server's close: the ProxyWorker's fetch fails with
// "Network connection lost." and the request never reaches the Worker.
// GETs are retried by the proxy itself; other methods get this answer
// (wrangler 4.86 words it as a restart for every path but "/", though
// nothing restarted; cloudflare/workers-sdk#14641, #15252; fixed in
// releases that need Node 22). It is the dev server's, never edgecrm's
// (the core's 503 is JSON).
const ProxyLost = "Your worker restarted mid-request."

// RetryProxyLoss is an http.RoundTripper for clients of a test instance:
// it sends a request again (twice at most) when wrangler dev's proxy lost
// it (ProxyLost), and passes everything else through. A request whose body
// cannot be replayed (no GetBody) is not retried.
type RetryProxyLoss struct {
	Base http.RoundTripper // nil: http.DefaultTransport at the time of the call
}

// RoundTrip implements http.RoundTripper.
func (t *RetryProxyLoss) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	for attempt := 1; ; attempt++ {
		resp, err := base.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusServiceUnavailable || attempt == 3 || (req.Body != nil && req.GetBody == nil) {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(body, []byte(ProxyLost)) {
			resp.Body = io.NopCloser(bytes.NewReader(body))
			return resp, nil
		}
		next := req.Clone(req.Context())
		if req.GetBody != nil {
			if next.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		req = next
	}
}
