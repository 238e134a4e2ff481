package host

import (
	"encoding/json"
	"testing"
)

// TestOutputAppendJSONMatchesMarshal: with its body, an output is written
// as json.Marshal writes it; without, the same minus the body.
func TestOutputAppendJSONMatchesMarshal(t *testing.T) {
	for _, o := range []*Output{
		{},
		{Response: &Response{Status: 200, Body: `{"data":{"a":"<b> & \"c\" é \u2028"}}`}},
		{Response: &Response{Status: 201, Headers: map[string]string{"server-timing": `core;dur=1, db;dur=0;desc="3 statements"`, "content-type": "application/json"}, Body: "x"}, Rollback: true},
		{Response: &Response{Status: 204}, Effects: []Effect{{Kind: EffectFlush, DelayMs: 50}, {Kind: EffectForward, Name: "w", Headers: map[string]string{"a": "b"}, Guard: &Effect{Kind: EffectRateLimit, Key: "ws:w"}, Refused: &Response{Status: 429, Body: "slow down"}}}},
		{Effects: []Effect{{Kind: EffectD1Batch, Statements: []Statement{{SQL: "SELECT ?", Args: []any{int64(1), "x", nil}}}}}, Log: map[string]any{"route": "GET /rest/companies", "n": 3, "ok": true}},
		{Effects: []Effect{{Kind: EffectForward, Name: "w"}}, Log: map[string]any{"workspace": "w"}, Reuse: &Reuse{Ms: 999, Epoch: 2}},
		{Effects: []Effect{{Kind: EffectForward, Name: "w"}}, Reuse: &Reuse{Ms: 5, Epoch: 3, UnlessBody: []string{"signUp", "a\"b\u2028"}}},
	} {
		want, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := o.AppendJSON(nil, true)
		if err != nil || string(got) != string(want) {
			t.Errorf("AppendJSON:\n got %s %v\nwant %s", got, err, want)
		}
		without, _ := o.AppendJSON(nil, false)
		var back Output
		if err := json.Unmarshal(without, &back); err != nil {
			t.Fatalf("%s: %v", without, err)
		}
		if o.Response != nil {
			back.Response.Body = o.Response.Body
		}
		again, _ := json.Marshal(&back)
		if string(again) != string(want) {
			t.Errorf("without the body:\n got %s\nwant %s", again, want)
		}
	}
}
