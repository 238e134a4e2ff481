package host

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAppendEffectsMatchesMarshal: the effects encoder writes the bytes
// json.Marshal writes, for every field of Effect (raw JSON compact, as the
// core renders it).
func TestAppendEffectsMatchesMarshal(t *testing.T) {
	refused := &Response{Status: 429, Headers: map[string]string{"retry-after": "3", "content-type": "application/json"}, Body: `{"error":"<too many> & \"more\""}`}
	all := []Effect{
		{Kind: EffectForward, Namespace: "WORKSPACE", Name: "ws-1", Path: "/rest/companies", Headers: map[string]string{"x-b": "2", "x-a": "é\u2028"}, Drop: []string{"x-edgecrm-*", "cookie"},
			Guard: &Effect{Kind: EffectRateLimit, Binding: "WORKSPACE_RATE_LIMITER", Key: "ws:ws-1", Limit: 100, Period: 60}, Refused: refused},
		{Kind: EffectFlush, DelayMs: 50},
		{Kind: EffectSeq, Effects: []Effect{
			{Kind: EffectD1Batch, Statements: []Statement{
				{SQL: "INSERT INTO t (a, b, c, d, e, f) VALUES (?, ?, ?, ?, ?, ?)", Args: []any{"x", int64(-3), 2.5, nil, true, []byte{0, 1, 255}}},
				{SQL: "SELECT 1"},
				{SQL: "DELETE FROM t WHERE a = ?", Args: []any{}},
				{SQL: "UPDATE t SET b = ?", Args: []any{1e21, 1e-7, int64(1) << 60, map[string]any{"k": []any{"v", 1.0}}, time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)}},
			}},
			{Kind: EffectQueueSend, Messages: []json.RawMessage{json.RawMessage(`{"workspace":"w","seq":1}`), nil, json.RawMessage(`[1,"a"]`)}},
		}, Resume: &Resume{Entry: "outbox.sent", Ctx: json.RawMessage(`{"from":1,"to":2}`)}},
		{Kind: EffectD1Query, SQL: "SELECT seq FROM projection_checkpoints WHERE workspace = ?", Params: []any{"w"}, Resume: &Resume{Entry: "outbox.d1"}},
		{Kind: "msg.retry", IDs: []string{"m1", "m\"2"}, DelaySeconds: 30},
		{Kind: "ws.send", Socket: "s1", Frames: []string{`{"type":"next"}`, "tab\t"}},
		{Kind: "ws.close", Socket: "s2", Code: 4403, Reason: "Forbidden"},
		{Kind: "ws.attach", Socket: "s3", Attachment: `{"a":1}`},
		{Kind: "ws.broadcast", Groups: []BroadcastGroup{{Head: `{"id":"`, Tail: `","type":"next"}`, To: "s1 1 s2 2"}}, Serial: true, Resume: &Resume{Entry: "ws.gone"}},
		{Kind: "ws.read", Sockets: []string{"a", "b"}, Yield: true},
		{Kind: "kv.get", Keys: []string{"k1"}, Background: true},
		{Kind: "kv.put", Key: "k", Value: "v&<>", TTL: 60},
		{Kind: "do.fetch", Namespace: "ACCOUNT", ObjectID: "abc", Path: "/x", Body: `{"b":1}`},
		{Kind: "http.fetch", URL: "https://example.com/hook?a=1&b=2", Method: "POST", TimeoutMs: 5000, Headers: map[string]string{}},
		{Kind: "email.send", Email: &Email{From: "a@x", To: []string{"b@x"}, Subject: "Hi <you>", Text: "t", MessageID: "<m@x>"}},
		{Kind: EffectAll, Effects: []Effect{}},
		{},
	}
	for i := range all {
		for _, effects := range [][]Effect{all[i : i+1], all} {
			want, err := json.Marshal(effects)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendEffects(nil, effects)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("effect %d:\n got %s\nwant %s", i, got, want)
			}
		}
	}
	if got, _ := appendEffects(nil, nil); string(got) != "null" {
		t.Fatalf("nil effects: %s", got)
	}
}

func BenchmarkAppendEffects(b *testing.B) {
	effects := []Effect{{Kind: EffectForward, Namespace: "WORKSPACE", Name: "01a24cda-5483-11b4-468e-652bde2a2295", Path: "/rest/companies",
		Headers: map[string]string{"x-edgecrm-workspace": "01a24cda-5483-11b4-468e-652bde2a2295", "x-edgecrm-principal": `{"kind":"user"}`}, Drop: []string{"x-edgecrm-*"},
		Guard: &Effect{Kind: EffectRateLimit, Binding: "WORKSPACE_RATE_LIMITER", Key: "ws:01a24cda", Limit: 100, Period: 60}, Refused: &Response{Status: 429, Body: "{}"}}}
	b.Run("appendEffects", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf, _ = appendEffects(buf[:0], effects)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			json.Marshal(effects)
		}
	})
}
