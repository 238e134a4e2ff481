// Package host is the protocol between the Go core and the host that runs
// it (the JS shell in workerd, or host/native): what a call receives
// (Request, ResumeInput, SocketInput), what it returns (Output: a Response,
// Effects with optional continuations, a rollback flag), and the log line.
// Every call is synchronous; I/O is returned as Effects for the host to
// run. It imports nothing of ours, so every package may import it.
package host

import (
	"encoding/json"
	"sync"
)

// Statement is one parameterised SQL statement, the unit the projector emits
// and the D1 sink runs in a batch.
type Statement struct {
	SQL  string `json:"sql"`
	Args []any  `json:"params"`
}

// Request is an HTTP request as the shell hands it to the dispatch.
type Request struct {
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Query     string            `json:"query"` // raw query string, without '?'
	Headers   map[string]string `json:"headers"`
	Body      string            `json:"body"`
	Workspace string            `json:"workspace"`
	// Actor is who the request acts as, recorded on the events it appends
	// (a workspace member id, or "api"); set by the core after authorization.
	Actor string `json:"-"`
	// Principal identifies the authenticated caller (kind and id), set by
	// the core after authorization; idempotency keys are bound to it.
	Principal string `json:"-"`
	// Role is the authorized principal's workspace role ("admin",
	// "member"; an API key is a member); set by the core.
	Role string `json:"-"`
}

// Header returns a header by lower-case name.
func (r *Request) Header(name string) string { return r.Headers[name] }

// Response is what the shell sends back to the client.
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
}

// JSONResponse builds a JSON response.
func JSONResponse(status int, v any) *Response {
	body, err := Encode(func(b []byte) ([]byte, error) { return appendJSON(b, v) })
	if err != nil {
		body = `{"error":"InternalServerError","messages":["response encoding failed"]}`
		status = 500
	}
	return &Response{Status: status, Headers: map[string]string{"content-type": "application/json"}, Body: body}
}

// Encode is the text appendTo writes, written in a pooled buffer: a
// response of a page of records is 100 kB, and a buffer grown anew for
// each was copied many times over.
func Encode(appendTo func([]byte) ([]byte, error)) (string, error) {
	buf := encodeBuf.Get().(*[]byte)
	b, err := appendTo((*buf)[:0])
	if err != nil {
		encodeBuf.Put(buf)
		return "", err
	}
	s := string(b)
	if cap(b) <= 1<<22 { // an outsized one is not kept
		*buf = b[:0]
	}
	encodeBuf.Put(buf)
	return s, nil
}

var encodeBuf = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Effect kinds the shell knows how to run.
const (
	EffectD1Query   = "d1.query"   // SQL, Params → result {rows: [...]}
	EffectD1Batch   = "d1.batch"   // Statements, atomic → result {}
	EffectQueueSend = "queue.send" // Messages onto EVENTS → result {}
	EffectAck       = "msg.ack"    // IDs of consumed queue messages
	EffectRetry     = "msg.retry"  // IDs to redeliver after DelaySeconds
	EffectFlush     = "flush"      // DO only: run the outbox (single-flight, in the background)

	EffectKVGet     = "kv.get"    // Keys from KV CACHE → KVGetResult; fails when KV is unavailable
	EffectKVPut     = "kv.put"    // Key, Value, TTL (seconds, ≥ 60) into KV CACHE → {}
	EffectKVDelete  = "kv.delete" // Key from KV CACHE → {}
	EffectRateLimit = "ratelimit" // Binding (a ratelimits binding), Key; Limit/Period override it where the runtime allows → RateLimitResult
	EffectDOFetch   = "do.fetch"  // POST Body with Headers to Path of the object Namespace names by Name or ObjectID → DOFetchResult
	// EffectForward (Worker only, terminal): send the client's request, body
	// untouched, to Path (empty: the request's own path) of the object
	// named Name in Namespace, without the headers Drop names (a trailing
	// * names a prefix) and with Headers set; the object's response is the
	// answer.
	EffectForward = "forward"
	// EffectHTTP sends Method (GET when empty) with Headers and Body to URL,
	// giving up after TimeoutMs (5 s when 0) → HTTPResult; a network
	// failure or timeout is the effect's error.
	EffectHTTP = "http.fetch"
	// EffectEmail sends Email through the send_email binding SEND_EMAIL
	// (locally wrangler writes each message to a file) → EmailResult.
	EffectEmail = "email.send"
	// EffectAll runs Effects (no Resume of their own) concurrently → AllResult.
	EffectAll = "all"
	// EffectSeq runs Effects (no Resume of their own) one after another,
	// up to the first that fails → AllResult (of those that ran).
	EffectSeq = "seq"
)

// Effect is I/O the core asks the host to do. When Resume is set the host
// feeds the result (or error) back to the core's Resume.Entry with Resume.Ctx
// and continues with the effects that call returns; a failed effect without
// Resume fails the whole invocation.
type Effect struct {
	Kind         string            `json:"kind"`
	SQL          string            `json:"sql,omitempty"`
	Params       []any             `json:"params,omitempty"`
	Statements   []Statement       `json:"statements,omitempty"`
	Messages     []json.RawMessage `json:"messages,omitempty"`
	IDs          []string          `json:"ids,omitempty"`
	DelaySeconds int               `json:"delaySeconds,omitempty"`
	Resume       *Resume           `json:"resume,omitempty"`

	// ws.* (see ws.go)
	Socket     string           `json:"socket,omitempty"`
	Frames     []string         `json:"frames,omitempty"`
	Code       int              `json:"code,omitempty"`
	Reason     string           `json:"reason,omitempty"`
	Attachment string           `json:"attachment,omitempty"`
	Groups     []BroadcastGroup `json:"groups,omitempty"`
	DelayMs    int64            `json:"delayMs,omitempty"` // ws.timer, alarm, flush
	Sockets    []string         `json:"sockets,omitempty"` // ws.read

	// Background: run without delaying the answer (waitUntil); a failure
	// is logged and ignored. Never with Resume.
	Background bool `json:"background,omitempty"`
	// Serial: run in the background on the object's one chain, with all
	// its continuations, after what the chain already holds (commit order).
	Serial bool `json:"serial,omitempty"`
	// Yield: let other events run before this effect.
	Yield bool `json:"yield,omitempty"`

	// kv.*, ratelimit, do.fetch, forward
	Keys      []string          `json:"keys,omitempty"`
	Key       string            `json:"key,omitempty"`
	Value     string            `json:"value,omitempty"`
	TTL       int               `json:"ttl,omitempty"`
	Binding   string            `json:"binding,omitempty"`
	Limit     int               `json:"limit,omitempty"`
	Period    int               `json:"period,omitempty"`
	Namespace string            `json:"namespace,omitempty"` // "WORKSPACE" or "ACCOUNT"
	Name      string            `json:"name,omitempty"`      // idFromName(Name)
	ObjectID  string            `json:"objectId,omitempty"`  // idFromString(ObjectID)
	Path      string            `json:"path,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      string            `json:"body,omitempty"`
	Effects   []Effect          `json:"effects,omitempty"` // all, seq
	Drop      []string          `json:"drop,omitempty"`    // forward
	// Guard (forward) is a ratelimit the shell runs first: when it refuses,
	// Refused is the answer and nothing is forwarded (a failing limiter
	// lets the request through). It saves a second call into Go.
	Guard     *Effect   `json:"guard,omitempty"`
	Refused   *Response `json:"refused,omitempty"`
	URL       string    `json:"url,omitempty"`       // http.fetch
	Method    string    `json:"method,omitempty"`    // http.fetch
	TimeoutMs int64     `json:"timeoutMs,omitempty"` // http.fetch
	Email     *Email    `json:"email,omitempty"`     // email.send
}

// Email is a message in the send_email binding's builder form, or, with
// Raw, a whole MIME message (sent as an EmailMessage to each of To) whose
// Message-ID header is MessageID.
type Email struct {
	From      string   `json:"from"`
	To        []string `json:"to"`
	Subject   string   `json:"subject"`
	Text      string   `json:"text,omitempty"`
	HTML      string   `json:"html,omitempty"`
	MessageID string   `json:"messageId,omitempty"`
	Raw       string   `json:"raw,omitempty"`
}

// EmailResult is the result of an email.send effect.
type EmailResult struct {
	MessageID string `json:"messageId"`
}

// Resume names the continuation of an effect.
type Resume struct {
	Entry string          `json:"entry"`
	Ctx   json.RawMessage `json:"ctx,omitempty"`
}

// ResumeInput is what a continuation receives.
type ResumeInput struct {
	Workspace string          `json:"workspace"`
	Ctx       json.RawMessage `json:"ctx"`
	Result    json.RawMessage `json:"result"`
	Error     string          `json:"error"`
}

// Output is the result of one call into the dispatch.
type Output struct {
	Response *Response `json:"response,omitempty"`
	Effects  []Effect  `json:"effects,omitempty"`
	// Rollback asks the shell to roll back the storage transaction the
	// call ran in (a refused command or a panic): nothing it wrote stays.
	Rollback bool `json:"rollback,omitempty"`
	// Log is what an edge entry contributes to its request's one log line,
	// which the shell writes when the request is answered (with the status
	// and the Server-Timing phases). Never secrets.
	Log map[string]any `json:"log,omitempty"`
	// Reuse lets the shell answer requests with the same authorization
	// header and path from this output for a while (see Reuse).
	Reuse *Reuse `json:"reuse,omitempty"`
}

// Reuse is an edge output the shell keeps: for Ms it answers a request
// with the same method, path and authorization header with the same output
// (its effects run anew for each request: the rate limit, the forward),
// without entering Go; with Prefix, any path that starts with it (a REST
// forward, whose path is the request's own). Only an answer that depends
// on nothing else is marked (a forward of a principal verified moments
// ago); every other edge output has Ms 0. UnlessBody names what a
// GraphQL document the edge routes elsewhere contains (an auth
// operation's name): the shell reuses the output only for a request whose
// body contains none of them. Epoch is the edge's trust epoch, on every
// edge output: a revocation in the isolate moves it (edge.ForgetVerified),
// and an output of another epoch makes the shell drop what it kept.
type Reuse struct {
	Ms         int64    `json:"ms"`
	Epoch      int64    `json:"epoch"`
	UnlessBody []string `json:"unlessBody,omitempty"`
	Prefix     string   `json:"prefix,omitempty"`
}

// Dropped reports whether header name (lower case) is one drop names (a
// trailing * names a prefix).
func Dropped(name string, drop []string) bool {
	for _, d := range drop {
		if d == name || (len(d) > 0 && d[len(d)-1] == '*' && len(name) >= len(d)-1 && name[:len(d)-1] == d[:len(d)-1]) {
			return true
		}
	}
	return false
}

// D1Result is the result of a d1.query effect.
type D1Result struct {
	Rows []map[string]any `json:"rows"`
}

// KVGetResult is the result of a kv.get effect: a missing key is null.
type KVGetResult struct {
	Values map[string]*string `json:"values"`
}

// AllResult is the result of an all effect: one per effect, in order.
type AllResult struct {
	Results []EffectResult `json:"results"`
}

// EffectResult is one effect's result or error.
type EffectResult struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// RateLimitResult is the result of a ratelimit effect.
type RateLimitResult struct {
	Success bool `json:"success"`
}

// DOFetchResult is the result of a do.fetch effect.
type DOFetchResult struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
}

// HTTPResult is the result of an http.fetch effect (headers lower case).
type HTTPResult struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body"`
}

// D1BatchResult is the result of a d1.batch effect: one row set per statement.
type D1BatchResult struct {
	Results [][]map[string]any `json:"results"`
}
