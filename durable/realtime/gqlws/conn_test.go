package gqlws

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

var okAuth = AuthenticatorFunc(func(p map[string]any) (Principal, error) {
	if p["token"] == "forbidden" {
		return Principal{}, fmt.Errorf("member disabled: %w", ErrForbidden)
	}
	if p["token"] != "good" {
		return Principal{}, errors.New("bad token")
	}
	return Principal{WorkspaceID: "ws1", UserID: "u1", MemberID: "m1"}, nil
})

const (
	initOK = `{"type":"connection_init","payload":{"token":"good"}}`
	sub1   = `{"id":"1","type":"subscribe","payload":{"query":"subscription{a}"}}`
)

// run feeds frames to a fresh Conn and returns it with the last Output.
func run(t *testing.T, frames ...string) (*Conn, Output) {
	t.Helper()
	c := &Conn{}
	var out Output
	for i, f := range frames {
		out = c.HandleFrame([]byte(f), okAuth, t0)
		if out.Close != nil && i < len(frames)-1 {
			t.Fatalf("frame %d %s closed early: %+v", i, f, out.Close)
		}
	}
	return c, out
}

func TestCloseCodes(t *testing.T) {
	tests := []struct {
		name   string
		frames []string
		code   int
		reason string // substring of the close reason
	}{
		{"invalid JSON", []string{`{"type":`}, 4400, "invalid JSON"},
		{"not an object", []string{`["ping"]`}, 4400, "not a JSON object"},
		{"null message", []string{`null`}, 4400, "not a JSON object"},
		{"missing type", []string{`{"id":"1"}`}, 4400, "'type' must be a string"},
		{"type not string", []string{`{"type":1}`}, 4400, "'type' must be a string"},
		{"type case differs", []string{`{"TYPE":"ping"}`}, 4400, "'type' must be a string"},
		{"unknown type", []string{`{"type":"start"}`}, 4400, `unknown 'type' "start"`},
		{"client sends next", []string{initOK, `{"id":"1","type":"next","payload":{}}`}, 4400, `"next"`},
		{"client sends error", []string{initOK, `{"id":"1","type":"error","payload":[]}`}, 4400, `"error"`},
		{"client sends ack", []string{`{"type":"connection_ack"}`}, 4400, `"connection_ack"`},
		{"init payload not object", []string{`{"type":"connection_init","payload":"tok"}`}, 4400, "payload' must be an object"},
		{"ping payload not object", []string{`{"type":"ping","payload":[1]}`}, 4400, "payload' must be an object"},
		{"subscribe without id", []string{initOK, `{"type":"subscribe","payload":{"query":"q"}}`}, 4400, "'id' must be a non-empty string"},
		{"subscribe empty id", []string{initOK, `{"id":"","type":"subscribe","payload":{"query":"q"}}`}, 4400, "'id' must be a non-empty string"},
		{"subscribe numeric id", []string{initOK, `{"id":1,"type":"subscribe","payload":{"query":"q"}}`}, 4400, "'id' must be a non-empty string"},
		{"subscribe without payload", []string{initOK, `{"id":"1","type":"subscribe"}`}, 4400, "'payload' must be an object"},
		{"subscribe query missing", []string{initOK, `{"id":"1","type":"subscribe","payload":{}}`}, 4400, "payload.query"},
		{"subscribe query not string", []string{initOK, `{"id":"1","type":"subscribe","payload":{"query":{}}}`}, 4400, "payload.query"},
		{"subscribe variables not object", []string{initOK, `{"id":"1","type":"subscribe","payload":{"query":"q","variables":[]}}`}, 4400, "payload.variables"},
		{"subscribe operationName not string", []string{initOK, `{"id":"1","type":"subscribe","payload":{"query":"q","operationName":3}}`}, 4400, "payload.operationName"},
		{"subscribe extensions not object", []string{initOK, `{"id":"1","type":"subscribe","payload":{"query":"q","extensions":1}}`}, 4400, "payload.extensions"},
		{"subscribe bad lastSeq", []string{initOK, `{"id":"1","type":"subscribe","payload":{"query":"q","extensions":{"lastSeq":-1}}}`}, 4400, "lastSeq"},
		{"complete without id", []string{initOK, `{"type":"complete"}`}, 4400, "'id' must be a non-empty string"},
		{"second init", []string{initOK, initOK}, 4429, "Too many initialisation requests"},
		{"init with null payload is unauthenticated", []string{`{"type":"connection_init","payload":null}`}, 4401, "Unauthorized"},
		{"auth error", []string{`{"type":"connection_init","payload":{"token":"bad"}}`}, 4401, "Unauthorized"},
		{"auth forbidden", []string{`{"type":"connection_init","payload":{"token":"forbidden"}}`}, 4403, "Forbidden"},
		{"subscribe before init", []string{sub1}, 4401, "Unauthorized"},
		{"duplicate subscribe", []string{initOK, sub1, sub1}, 4409, "Subscriber for 1 already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out := run(t, tt.frames...)
			if out.Close == nil {
				t.Fatalf("no close; output %+v", out)
			}
			if out.Close.Code != tt.code || !strings.Contains(out.Close.Reason, tt.reason) {
				t.Fatalf("close = %d %q, want %d containing %q", out.Close.Code, out.Close.Reason, tt.code, tt.reason)
			}
			if len(out.Close.Reason) > maxReasonBytes {
				t.Fatalf("reason longer than %d bytes", maxReasonBytes)
			}
		})
	}
}

func TestNilAuthenticatorIsUnauthorized(t *testing.T) {
	c := &Conn{}
	out := c.HandleFrame([]byte(initOK), nil, t0)
	if out.Close == nil || out.Close.Code != 4401 || c.Acked {
		t.Fatalf("got %+v acked=%v, want 4401 and not acked", out.Close, c.Acked)
	}
}

func TestInitAck(t *testing.T) {
	var got map[string]any
	auth := AuthenticatorFunc(func(p map[string]any) (Principal, error) {
		got = p
		return Principal{WorkspaceID: "w", UserID: "u", MemberID: "m"}, nil
	})
	c := &Conn{}
	out := c.HandleFrame([]byte(`{"type":"connection_init","payload":{"token":"x"}}`), auth, t0)
	if out.Close != nil || len(out.Frames) != 1 || string(out.Frames[0]) != `{"type":"connection_ack"}` {
		t.Fatalf("output %+v, want one connection_ack", out)
	}
	if !out.Changed || !c.InitReceived || !c.Acked || c.AckedAt != t0.UnixMilli() {
		t.Fatalf("state %+v changed=%v", c, out.Changed)
	}
	if c.Principal != (Principal{WorkspaceID: "w", UserID: "u", MemberID: "m"}) || got["token"] != "x" {
		t.Fatalf("principal %+v, payload seen %v", c.Principal, got)
	}
}

func TestPingPong(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ping echoes payload, before init", `{"type":"ping","payload":{"k":[1, 2]}}`, `{"type":"pong","payload":{"k":[1,2]}}`},
		{"ping without payload", `{"type":"ping"}`, `{"type":"pong"}`},
		{"ping with null payload", `{"type":"ping","payload":null}`, `{"type":"pong"}`},
		{"pong is ignored", `{"type":"pong","payload":{"a":1}}`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Conn{}
			out := c.HandleFrame([]byte(tt.in), okAuth, t0)
			if out.Close != nil || !out.Changed || c.PreInit != 1 || out.Subscribed != nil {
				t.Fatalf("unexpected output %+v", out)
			}
			got := ""
			if len(out.Frames) == 1 {
				got = string(out.Frames[0])
			} else if len(out.Frames) > 1 {
				t.Fatalf("%d frames", len(out.Frames))
			}
			if got != tt.want {
				t.Fatalf("frame %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSubscribe(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want Subscription
	}{
		{"minimal", sub1, Subscription{ID: "1", Query: "subscription{a}"}},
		{"full", `{"id":"x","type":"subscribe","payload":{"query":"q","operationName":"Op","variables":{"n":2,"s":"v"}}}`,
			Subscription{ID: "x", Query: "q", OperationName: "Op", Variables: map[string]any{"n": 2.0, "s": "v"}}},
		{"nulls are absent", `{"id":"1","type":"subscribe","payload":{"query":"q","operationName":null,"variables":null,"extensions":null}}`,
			Subscription{ID: "1", Query: "q"}},
		{"lastSeq in extensions", `{"id":"1","type":"subscribe","payload":{"query":"q","extensions":{"lastSeq":42}}}`,
			Subscription{ID: "1", Query: "q", LastSeq: 42, Resume: true}},
		{"lastSeq zero", `{"id":"1","type":"subscribe","payload":{"query":"q","extensions":{"lastSeq":0}}}`,
			Subscription{ID: "1", Query: "q", LastSeq: 0, Resume: true}},
		{"lastSeq as string", `{"id":"1","type":"subscribe","payload":{"query":"q","extensions":{"lastSeq":"9007199254740993"}}}`,
			Subscription{ID: "1", Query: "q", LastSeq: 9007199254740993, Resume: true}},
		{"lastSeq variable", `{"id":"1","type":"subscribe","payload":{"query":"q","variables":{"lastSeq":7}}}`,
			Subscription{ID: "1", Query: "q", Variables: map[string]any{"lastSeq": 7.0}, LastSeq: 7, Resume: true}},
		{"extensions win over variable", `{"id":"1","type":"subscribe","payload":{"query":"q","variables":{"lastSeq":7},"extensions":{"lastSeq":9}}}`,
			Subscription{ID: "1", Query: "q", Variables: map[string]any{"lastSeq": 7.0}, LastSeq: 9, Resume: true}},
		{"null extension falls back to variable", `{"id":"1","type":"subscribe","payload":{"query":"q","variables":{"lastSeq":7},"extensions":{"lastSeq":null}}}`,
			Subscription{ID: "1", Query: "q", Variables: map[string]any{"lastSeq": 7.0}, LastSeq: 7, Resume: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, out := run(t, initOK, tt.msg)
			if out.Close != nil || len(out.Frames) != 0 || !out.Changed {
				t.Fatalf("output %+v", out)
			}
			if out.Subscribed == nil || !reflect.DeepEqual(*out.Subscribed, tt.want) {
				t.Fatalf("Subscribed = %+v, want %+v", out.Subscribed, tt.want)
			}
			if got := c.Subs[tt.want.ID]; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("stored %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInvalidLastSeq(t *testing.T) {
	for _, v := range []string{`-1`, `1.5`, `1e3`, `true`, `"abc"`, `"+5"`, `{}`, `99999999999999999999`} {
		t.Run(v, func(t *testing.T) {
			c, out := run(t, initOK, `{"id":"1","type":"subscribe","payload":{"query":"q","extensions":{"lastSeq":`+v+`}}}`)
			if out.Close == nil || out.Close.Code != 4400 || len(c.Subs) != 0 {
				t.Fatalf("close %+v subs %d, want 4400 and none", out.Close, len(c.Subs))
			}
		})
	}
}

func TestComplete(t *testing.T) {
	c, out := run(t, initOK, sub1, `{"id":"1","type":"complete"}`)
	if !reflect.DeepEqual(out.Completed, []string{"1"}) || !out.Changed || len(c.Subs) != 0 {
		t.Fatalf("output %+v subs %v", out, c.Subs)
	}
	// The id may be reused once completed.
	out = c.HandleFrame([]byte(sub1), okAuth, t0)
	if out.Close != nil || out.Subscribed == nil || out.Subscribed.ID != "1" {
		t.Fatalf("resubscribe: %+v", out)
	}
	// Completing an unknown id is ignored.
	out = c.HandleFrame([]byte(`{"id":"nope","type":"complete"}`), okAuth, t0)
	if out.Close != nil || out.Completed != nil || out.Changed || len(c.Subs) != 1 {
		t.Fatalf("unknown complete: %+v subs %d", out, len(c.Subs))
	}
}

func TestRemove(t *testing.T) {
	c, _ := run(t, initOK, sub1)
	if !c.Remove("1") || c.Remove("1") || len(c.Subs) != 0 {
		t.Fatalf("Remove: subs %v", c.Subs)
	}
	if out := c.HandleFrame([]byte(sub1), okAuth, t0); out.Subscribed == nil {
		t.Fatalf("id not reusable after Remove: %+v", out)
	}
}

func TestSubscriptionLimit(t *testing.T) {
	c, _ := run(t, initOK)
	for i := range MaxSubscriptions {
		out := c.HandleFrame(fmt.Appendf(nil, `{"id":"%d","type":"subscribe","payload":{"query":"q"}}`, i), okAuth, t0)
		if out.Subscribed == nil {
			t.Fatalf("subscription %d refused: %+v", i, out)
		}
	}
	out := c.HandleFrame([]byte(`{"id":"over","type":"subscribe","payload":{"query":"q"}}`), okAuth, t0)
	if out.Close != nil || out.Subscribed != nil || out.Changed || len(out.Frames) != 1 {
		t.Fatalf("over limit: %+v", out)
	}
	var f struct {
		ID      string
		Type    string
		Payload []GraphQLError
	}
	if err := json.Unmarshal(out.Frames[0], &f); err != nil || f.ID != "over" || f.Type != "error" ||
		len(f.Payload) != 1 || !strings.Contains(f.Payload[0].Message, "Too many subscriptions") {
		t.Fatalf("frame %s (%v)", out.Frames[0], err)
	}
	if len(c.Subs) != MaxSubscriptions {
		t.Fatalf("%d subs, want %d", len(c.Subs), MaxSubscriptions)
	}
}

func TestSubscriptionTooLargeForAttachment(t *testing.T) {
	c, _ := run(t, initOK, sub1)
	big := strings.Repeat("x", MaxAttachmentBytes)
	out := c.HandleFrame([]byte(`{"id":"2","type":"subscribe","payload":{"query":"`+big+`"}}`), okAuth, t0)
	if out.Close != nil || out.Subscribed != nil || len(out.Frames) != 1 || !strings.Contains(string(out.Frames[0]), `"id":"2","type":"error"`) {
		t.Fatalf("output %+v", out)
	}
	if _, ok := c.Subs["2"]; ok || len(c.Subs) != 1 {
		t.Fatalf("oversized subscription kept: %d subs", len(c.Subs))
	}
	if _, err := c.Marshal(); err != nil {
		t.Fatalf("Marshal after refusal: %v", err)
	}
}

func TestLongIDReasonTruncated(t *testing.T) {
	id := strings.Repeat("é", 100) // 200 bytes
	s := `{"id":"` + id + `","type":"subscribe","payload":{"query":"q"}}`
	_, out := run(t, initOK, s, s)
	if out.Close == nil || out.Close.Code != 4409 || len(out.Close.Reason) > maxReasonBytes ||
		!strings.HasPrefix(out.Close.Reason, "Subscriber for é") || !utf8Valid(out.Close.Reason) {
		t.Fatalf("close %+v (%d bytes)", out.Close, len(out.Close.Reason))
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestInitTimedOut(t *testing.T) {
	tests := []struct {
		name    string
		acked   bool
		elapsed time.Duration
		limit   time.Duration
		want    bool
	}{
		{"within limit", false, 2 * time.Second, 3 * time.Second, false},
		{"at limit", false, 3 * time.Second, 3 * time.Second, true},
		{"past limit", false, time.Minute, 3 * time.Second, true},
		{"acked", true, time.Minute, 3 * time.Second, false},
		{"disabled", false, time.Hour, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Conn{Acked: tt.acked}
			got := c.InitTimedOut(t0, t0.Add(tt.elapsed), tt.limit)
			if (got != nil) != tt.want {
				t.Fatalf("got %+v, want close=%v", got, tt.want)
			}
			if got != nil && (got.Code != 4408 || got.Reason != "Connection initialisation timeout") {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestCheckSubprotocol(t *testing.T) {
	tests := []struct {
		header string
		ok     bool
	}{
		{"graphql-transport-ws", true},
		{"graphql-ws, graphql-transport-ws", true},
		{" graphql-transport-ws ,foo", true},
		{"graphql-ws", false},
		{"", false},
		{"graphql-transport-wsx", false},
		{"GRAPHQL-TRANSPORT-WS", false},
	}
	for _, tt := range tests {
		got := CheckSubprotocol(tt.header)
		if (got == nil) != tt.ok {
			t.Errorf("%q: got %+v, want ok=%v", tt.header, got, tt.ok)
		}
		if got != nil && (got.Code != 4406 || got.Reason != "Subprotocol not acceptable") {
			t.Errorf("%q: got %+v", tt.header, got)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c, _ := run(t, initOK, sub1,
		`{"id":"b","type":"subscribe","payload":{"query":"q2","operationName":"Op","variables":{"n":1.5,"l":[1,"a"],"o":{"k":null}},"extensions":{"lastSeq":12}}}`)
	c.OpenedAt = t0.UnixMilli() - 10
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var back Conn
	if err := back.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v\nbytes %s", back, *c, b)
	}
	if back.Subs["b"].ID != "b" || back.Subs["b"].LastSeq != 12 || !back.Subs["b"].Resume {
		t.Fatalf("sub b lost fields: %+v", back.Subs["b"])
	}
	// The restored Conn keeps enforcing the protocol.
	if out := back.HandleFrame([]byte(sub1), okAuth, t0); out.Close == nil || out.Close.Code != 4409 {
		t.Fatalf("restored conn accepted duplicate: %+v", out)
	}
	if out := back.HandleFrame([]byte(initOK), okAuth, t0); out.Close == nil || out.Close.Code != 4429 {
		t.Fatalf("restored conn accepted second init: %+v", out)
	}
}

func TestUnmarshalEmptyAndBad(t *testing.T) {
	for _, in := range []string{"", "null", " "} {
		c := Conn{Acked: true}
		if err := c.Unmarshal([]byte(in)); err != nil || !reflect.DeepEqual(c, Conn{}) {
			t.Errorf("%q: %v %+v, want fresh Conn", in, err, c)
		}
	}
	c := Conn{Acked: true}
	if err := c.Unmarshal([]byte(`{"a":`)); err == nil || c.Acked {
		t.Errorf("bad input: err=%v acked=%v", err, c.Acked)
	}
}

func TestMarshalLimit(t *testing.T) {
	// Size a query so the attachment is exactly MaxAttachmentBytes.
	mk := func(n int) *Conn {
		return &Conn{Acked: true, Subs: map[string]Subscription{"1": {ID: "1", Query: strings.Repeat("q", n)}}}
	}
	base, err := mk(0).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	exact := MaxAttachmentBytes - len(base)
	tests := []struct {
		n       int
		wantErr bool
	}{{exact, false}, {exact + 1, true}, {4 * MaxAttachmentBytes, true}}
	for _, tt := range tests {
		b, err := mk(tt.n).Marshal()
		if tt.wantErr {
			if !errors.Is(err, ErrAttachmentTooLarge) || b != nil {
				t.Errorf("n=%d: err %v, len %d; want ErrAttachmentTooLarge", tt.n, err, len(b))
			}
		} else if err != nil || len(b) != MaxAttachmentBytes {
			t.Errorf("n=%d: err %v, len %d; want exactly %d", tt.n, err, len(b), MaxAttachmentBytes)
		}
	}
}

func TestFrames(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"next", NextFrame("1", map[string]any{"a": "<b>"}), `{"id":"1","type":"next","payload":{"data":{"a":"<b>"}}}`},
		{"next raw", NextFrame("1", json.RawMessage(`{"x": 1}`)), `{"id":"1","type":"next","payload":{"data":{"x":1}}}`},
		{"next null data", NextFrame("1", nil), `{"id":"1","type":"next","payload":{"data":null}}`},
		{"next unencodable", NextFrame("1", make(chan int)), `{"id":"1","type":"next","payload":{"errors":[{"message":"Internal error: result is not encodable"}]}}`},
		{"error", ErrorFrame("2", []GraphQLError{{Message: "bad", Locations: []Location{{1, 2}}, Path: []any{"a", 0}}}),
			`{"id":"2","type":"error","payload":[{"message":"bad","locations":[{"line":1,"column":2}],"path":["a",0]}]}`},
		{"error nil list", ErrorFrame("2", nil), `{"id":"2","type":"error","payload":[{"message":"Unknown error"}]}`},
		{"error unencodable extensions", ErrorFrame("2", []GraphQLError{{Message: "m", Extensions: map[string]any{"f": func() {}}}}),
			`{"id":"2","type":"error","payload":[{"message":"m"}]}`},
		{"complete", CompleteFrame("3"), `{"id":"3","type":"complete"}`},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

// FuzzHandleFrame checks that no input panics and the state stays valid.
func FuzzHandleFrame(f *testing.F) {
	for _, s := range []string{initOK, sub1, `{"type":"ping","payload":{}}`, `{"id":"1","type":"complete"}`,
		`{"id":"1","type":"subscribe","payload":{"query":"q","extensions":{"lastSeq":"5"}}}`} {
		f.Add([]byte(s))
	}
	codes := map[int]bool{4400: true, 4401: true, 4403: true, 4409: true, 4429: true}
	f.Fuzz(func(t *testing.T, frame []byte) {
		c, _ := run(t, initOK, sub1)
		out := c.HandleFrame(frame, okAuth, t0)
		if out.Close != nil && (!codes[out.Close.Code] || len(out.Close.Reason) > maxReasonBytes) {
			t.Fatalf("bad close %+v", out.Close)
		}
		for _, fr := range out.Frames {
			if !json.Valid(fr) {
				t.Fatalf("invalid frame %q", fr)
			}
		}
		if _, err := c.Marshal(); err != nil {
			t.Fatalf("Marshal: %v", err)
		}
	})
}
