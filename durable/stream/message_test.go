package stream

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestMessageJSON: Message.appendJSON writes json.Marshal's bytes.
func TestMessageJSON(t *testing.T) {
	for _, m := range []Message{
		{Workspace: "w", Seq: 7, ID: "01H", Type: "company.created", Version: 1, Time: "2026-01-02T03:04:05.000Z", Actor: "api", CommandID: "c"},
		{Workspace: "w<>", Seq: -1, Type: "x\"y", Payload: map[string]any{"id": "a", "data": map[string]any{"n": int8(-3), "u": uint16(900), "f": 1.5, "b": true, "s": []any{"é", nil}, "e": map[string]any{}}}, Notify: true},
		{Workspace: "w", Ref: true, Payload: map[string]any{}},
	} {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.appendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("appendJSON:\n got %s %v\nwant %s", got, err, want)
		}
	}
}
