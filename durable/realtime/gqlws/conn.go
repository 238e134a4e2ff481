package gqlws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CheckSubprotocol returns nil when the comma-separated Sec-WebSocket-Protocol
// header offers graphql-transport-ws, else a 4406 Close. The caller accepts
// the socket either way (a close code needs an open socket), answers with
// "Sec-WebSocket-Protocol: graphql-transport-ws" when accepted, and closes
// it immediately otherwise.
func CheckSubprotocol(header string) *Close {
	for _, p := range strings.Split(header, ",") {
		if strings.TrimSpace(p) == Subprotocol {
			return nil
		}
	}
	return newClose(CodeSubprotocolNotAccepted, "Subprotocol not acceptable")
}

// InitTimedOut returns a 4408 Close when the connection is not acknowledged
// and limit has elapsed since openedAt; otherwise nil. A limit <= 0 never
// times out.
func (c *Conn) InitTimedOut(openedAt, now time.Time, limit time.Duration) *Close {
	if c.Acked || limit <= 0 || now.Sub(openedAt) < limit {
		return nil
	}
	return newClose(CodeInitTimeout, "Connection initialisation timeout")
}

// Marshal returns the compact form of c for serializeAttachment, or
// ErrAttachmentTooLarge when it exceeds MaxAttachmentBytes. Pass the bytes
// to JS as a Uint8Array: a JS string of non-Latin-1 text may clone larger.
func (c *Conn) Marshal() ([]byte, error) {
	b, err := encode(c)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxAttachmentBytes {
		return nil, fmt.Errorf("%w (%d bytes)", ErrAttachmentTooLarge, len(b))
	}
	return b, nil
}

// Unmarshal replaces c with the state in b. Empty input or "null" (a socket
// without attachment) yields a fresh Conn.
func (c *Conn) Unmarshal(b []byte) error {
	*c = Conn{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if err := json.Unmarshal(b, c); err != nil {
		*c = Conn{}
		return fmt.Errorf("subscriptions: bad attachment: %w", err)
	}
	for id, s := range c.Subs {
		s.ID = id
		c.Subs[id] = s
	}
	return nil
}

// Remove drops subscription id (e.g. after the server sent its complete or
// error frame) so the client may reuse the id. It reports whether id was
// active; the caller must re-serialize when it was.
func (c *Conn) Remove(id string) bool {
	_, ok := c.Subs[id]
	delete(c.Subs, id)
	return ok
}

// HandleFrame applies one client frame to c and says what to do. auth is
// called synchronously for connection_init; now is recorded as AckedAt.
// HandleFrame does not panic on any input (auth aside).
func (c *Conn) HandleFrame(frame []byte, auth Authenticator, now time.Time) (out Output) {
	m, err := parseMessage(frame)
	if err != nil {
		return closeOut(CodeBadRequest, "Invalid message received: "+err.Error())
	}
	if m.typ != "connection_init" && !c.InitReceived {
		if c.PreInit++; c.PreInit > MaxPreInitFrames {
			return closeOut(CodeTooManyInitRequests, "Too many messages before connection_init")
		}
		if m.typ != "subscribe" {
			defer func() { out.Changed = true }()
		}
	}
	switch m.typ {
	case "connection_init":
		return c.handleInit(m, auth, now)
	case "ping":
		if m.payload == nil {
			return Output{Frames: [][]byte{[]byte(`{"type":"pong"}`)}}
		}
		return Output{Frames: [][]byte{mustFrame(message{Type: "pong", Payload: m.payload})}}
	case "pong":
		return Output{}
	case "subscribe":
		return c.handleSubscribe(m)
	default: // "complete"; parseMessage admits no other type
		if !c.Remove(m.id) {
			return Output{}
		}
		return Output{Completed: []string{m.id}, Changed: true}
	}
}

func (c *Conn) handleInit(m *inMessage, auth Authenticator, now time.Time) Output {
	if c.InitReceived {
		return closeOut(CodeTooManyInitRequests, "Too many initialisation requests")
	}
	c.InitReceived = true
	var payload map[string]any
	if m.payload != nil {
		_ = json.Unmarshal(m.payload, &payload) // valid object: cannot fail
	}
	if auth == nil {
		return Output{Close: newClose(CodeUnauthorized, "Unauthorized"), Changed: true}
	}
	p, err := auth.Authenticate(payload)
	switch {
	case errors.Is(err, ErrForbidden):
		return Output{Close: newClose(CodeForbidden, "Forbidden"), Changed: true}
	case err != nil:
		return Output{Close: newClose(CodeUnauthorized, "Unauthorized"), Changed: true}
	}
	c.Acked, c.Principal, c.AckedAt = true, p, now.UnixMilli()
	return Output{Frames: [][]byte{[]byte(`{"type":"connection_ack"}`)}, Changed: true}
}

func (c *Conn) handleSubscribe(m *inMessage) Output {
	if !c.Acked {
		return closeOut(CodeUnauthorized, "Unauthorized")
	}
	if _, ok := c.Subs[m.id]; ok {
		return closeOut(CodeSubscriberExists, "Subscriber for "+m.id+" already exists")
	}
	refuse := func(msg string) Output {
		return Output{Frames: [][]byte{ErrorFrame(m.id, []GraphQLError{{Message: msg}})}}
	}
	if len(c.Subs) >= MaxSubscriptions {
		return refuse(fmt.Sprintf("Too many subscriptions on this socket (max %d)", MaxSubscriptions))
	}
	s := *m.sub
	if c.Subs == nil {
		c.Subs = make(map[string]Subscription)
	}
	c.Subs[s.ID] = s
	if b, err := encode(c); err != nil || len(b) > MaxAttachmentBytes-attachmentHeadroom {
		delete(c.Subs, s.ID)
		return refuse(fmt.Sprintf("Subscription too large to keep on this socket: a socket's subscriptions must fit in %d bytes (serializeAttachment); open another socket or send a shorter document", MaxAttachmentBytes-attachmentHeadroom))
	}
	return Output{Subscribed: &s, Changed: true}
}

// NextFrame returns a next frame whose payload is {"data": data}. If data
// cannot be encoded as JSON the payload carries a GraphQL error instead.
func NextFrame(id string, data any) []byte {
	b, err := encode(message{ID: id, Type: "next", Payload: map[string]any{"data": data}})
	if err != nil {
		return mustFrame(message{ID: id, Type: "next", Payload: map[string]any{
			"errors": []GraphQLError{{Message: "Internal error: result is not encodable"}},
		}})
	}
	return b
}

// ErrorFrame returns an error frame; it ends operation id (call Conn.Remove).
// The protocol requires at least one error, so an empty errs sends a generic one.
func ErrorFrame(id string, errs []GraphQLError) []byte {
	if len(errs) == 0 {
		errs = []GraphQLError{{Message: "Unknown error"}}
	}
	b, err := encode(message{ID: id, Type: "error", Payload: errs})
	if err != nil { // unencodable Path or Extensions: keep the messages
		plain := make([]GraphQLError, len(errs))
		for i, e := range errs {
			plain[i] = GraphQLError{Message: e.Message, Locations: e.Locations}
		}
		return mustFrame(message{ID: id, Type: "error", Payload: plain})
	}
	return b
}

// CompleteFrame returns a complete frame; it ends operation id (call Conn.Remove).
func CompleteFrame(id string) []byte {
	return mustFrame(message{ID: id, Type: "complete"})
}

// message is an outgoing frame.
type message struct {
	ID      string `json:"id,omitempty"`
	Type    string `json:"type"`
	Payload any    `json:"payload,omitempty"`
}

// inMessage is a validated incoming frame.
type inMessage struct {
	typ     string
	id      string
	payload json.RawMessage // nil when absent or null
	sub     *Subscription   // set for subscribe
}

// parseMessage validates a client frame like graphql-ws does; its errors
// name the problem and become 4400 close reasons.
func parseMessage(frame []byte) (*inMessage, error) {
	if !json.Valid(frame) {
		return nil, errors.New("invalid JSON")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(frame, &fields); err != nil || fields == nil {
		return nil, errors.New("message is not a JSON object")
	}
	m := &inMessage{}
	typ, ok, err := optString(fields, "type")
	if err != nil || !ok {
		return nil, errors.New("'type' must be a string")
	}
	m.typ = typ
	switch typ {
	case "connection_init", "ping", "pong":
		if m.payload, err = optObject(fields, "payload"); err != nil {
			return nil, fmt.Errorf("%s 'payload' must be an object", typ)
		}
	case "subscribe", "complete":
		if m.id, ok, err = optString(fields, "id"); err != nil || !ok || m.id == "" {
			return nil, fmt.Errorf("%s 'id' must be a non-empty string", typ)
		}
		if typ == "subscribe" {
			if m.sub, err = parseSubscribe(m.id, fields["payload"]); err != nil {
				return nil, err
			}
		}
	case "connection_ack", "next", "error":
		return nil, fmt.Errorf("unexpected message of type %q from a client", typ)
	default:
		return nil, fmt.Errorf("unknown 'type' %q", truncate(typ, 40))
	}
	return m, nil
}

func parseSubscribe(id string, raw json.RawMessage) (*Subscription, error) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(raw, &p); err != nil || p == nil {
		return nil, errors.New("subscribe 'payload' must be an object")
	}
	s := &Subscription{ID: id}
	q, ok, err := optString(p, "query")
	if err != nil || !ok {
		return nil, errors.New("subscribe 'payload.query' must be a string")
	}
	s.Query = q
	if s.OperationName, _, err = optString(p, "operationName"); err != nil {
		return nil, errors.New("subscribe 'payload.operationName' must be a string")
	}
	vars, err := optObject(p, "variables")
	if err != nil {
		return nil, errors.New("subscribe 'payload.variables' must be an object")
	}
	if vars != nil {
		_ = json.Unmarshal(vars, &s.Variables) // valid object: cannot fail
	}
	ext, err := optObject(p, "extensions")
	if err != nil {
		return nil, errors.New("subscribe 'payload.extensions' must be an object")
	}
	// lastSeq: extensions.lastSeq wins over variables.lastSeq.
	var seqRaw json.RawMessage
	for _, obj := range []json.RawMessage{ext, vars} {
		var f map[string]json.RawMessage
		if obj != nil && json.Unmarshal(obj, &f) == nil && !isNull(f["lastSeq"]) {
			seqRaw = f["lastSeq"]
			break
		}
	}
	if seqRaw != nil {
		seq, ok := parseSeq(seqRaw)
		if !ok {
			return nil, errors.New("subscribe 'lastSeq' must be a non-negative integer")
		}
		s.LastSeq, s.Resume = seq, true
	}
	return s, nil
}

// parseSeq accepts a JSON integer or a string of decimal digits, >= 0.
func parseSeq(raw json.RawMessage) (int64, bool) {
	text := string(raw)
	if strings.HasPrefix(text, `"`) {
		if json.Unmarshal(raw, &text) != nil {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	return n, err == nil && n >= 0 && !strings.HasPrefix(text, "+")
}

// optString reads an optional string field; null counts as absent.
func optString(f map[string]json.RawMessage, key string) (string, bool, error) {
	raw := f[key]
	if isNull(raw) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, err
	}
	return s, true, nil
}

// optObject returns an optional object field, nil when absent or null.
func optObject(f map[string]json.RawMessage, key string) (json.RawMessage, error) {
	raw := bytes.TrimSpace(f[key])
	if isNull(raw) {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, errors.New("not an object")
	}
	return raw, nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// encode is json.Marshal without HTML escaping or trailing newline.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// mustFrame encodes a frame built from values known to be encodable.
func mustFrame(m message) []byte {
	b, err := encode(m)
	if err != nil {
		panic("subscriptions: " + err.Error())
	}
	return b
}

func closeOut(code int, reason string) Output {
	return Output{Close: newClose(code, reason)}
}

func newClose(code int, reason string) *Close {
	return &Close{Code: code, Reason: truncate(reason, maxReasonBytes)}
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
