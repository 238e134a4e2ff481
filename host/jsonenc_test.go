package host

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// TestAppendJSONIsEncodingJSON: the response encoder gives json.Marshal's
// bytes for every shape, escapes and number format.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	floats := []any{0.0, -0.0, 1.0, 34.0, 2.5, 1e-7, 1.5e-9, 1e20, 1e21, 123456789012345678.0, -3.25e-300, math.MaxFloat64, 0.1}
	strs := []any{"", "plain", "a\"b", `back\slash`, "<tag>&", "line\nbreak\t\r\x01", "é😀", "\u2028\u2029", string([]byte{0xff, 'x'}), "\x7f"}
	vals := []any{nil, true, false, int64(-42), 7, map[string]any(nil), []any(nil), []map[string]any(nil),
		json.RawMessage(`{"raw":1}`), time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), []string{"x"}}
	vals = append(append(vals, floats...), strs...)
	nested := map[string]any{"list": vals, "z": map[string]any{"<k>": floats, "b": strs}, "recs": []map[string]any{{"id": "1", "n": 2.0}, nil}}
	for _, v := range append(vals, nested, []any{nested, vals}) {
		want, werr := json.Marshal(v)
		got, gerr := appendJSON(nil, v)
		if (werr != nil) != (gerr != nil) || string(got) != string(want) {
			t.Errorf("%#v:\n got %s %v\nwant %s %v", v, got, gerr, want, werr)
		}
	}
	if _, err := appendJSON(nil, map[string]any{"x": math.NaN()}); err == nil {
		t.Error("NaN encoded")
	}
}
