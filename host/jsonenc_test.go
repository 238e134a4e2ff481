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
	strs := []any{"", "plain", "a\"b", `back\slash`, "<tag>&", "line\nbreak\t\r\x01", "é😀", "\u2028\u2029", string([]byte{0xff, 'x'}), "\x7f", "\b\f\x1f", "a\xe2\x80", `[["x\"y",1]]`}
	vals := []any{nil, true, false, int64(-42), 7, map[string]any(nil), []any(nil), []map[string]any(nil),
		json.RawMessage(`{"raw":1}`), time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), []string{"x"}}
	vals = append(append(vals, floats...), strs...)
	nested := map[string]any{"list": vals, "z": map[string]any{"<k>": floats, "b": strs}, "recs": []map[string]any{{"id": "1", "n": 2.0}, nil}}
	// Maps of a record's size and larger, keys in byte order (é after z).
	wide, wider := map[string]any{}, map[string]any{}
	for i := 0; i < 100; i++ {
		k := string(rune('z'-i%26)) + string(rune('A'+i*7%58)) + []string{"", "é", "<k>", "_1"}[i%4]
		if i < 30 {
			wide[k] = i
		}
		wider[k] = vals[i%len(vals)]
	}
	for _, v := range append(vals, nested, []any{nested, vals}, wide, wider) {
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

// BenchmarkRecordJSON encodes the answer of one company record, as a REST
// read returns it (inside wasm: GOOS=js GOARCH=wasm go test -exec=... ).
func BenchmarkRecordJSON(b *testing.B) {
	var v map[string]any
	if err := json.Unmarshal([]byte(`{"data":{"company":{"id":"0196b3a0-0000-7000-8000-000000000001","name":"Acme","domainName":{"primaryLinkUrl":"https://acme.com","primaryLinkLabel":"","secondaryLinks":null},"employees":5,"linkedinLink":{"primaryLinkUrl":"","primaryLinkLabel":"","secondaryLinks":null},"xLink":{"primaryLinkUrl":"","primaryLinkLabel":"","secondaryLinks":null},"annualRecurringRevenue":{"amountMicros":null,"currencyCode":""},"address":{"addressStreet1":"","addressStreet2":"","addressCity":"Paris","addressState":"","addressCountry":"","addressPostcode":"","addressLat":null,"addressLng":null},"idealCustomerProfile":false,"position":1,"createdBy":{"source":"API","workspaceMemberId":null,"name":"","context":{}},"updatedBy":{"source":"API","workspaceMemberId":null,"name":"","context":{}},"accountOwnerId":null,"createdAt":"2026-01-02T03:04:05.000Z","updatedAt":"2026-01-02T03:04:05.000Z","deletedAt":null,"tagline":"","visaSponsorship":false,"workPolicy":null}}}`), &v); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		JSONResponse(200, v)
	}
}

// FuzzAppendString: any string is encoded as json.Marshal encodes it.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `[["a\"b",1,null]]`, "<&>", "\u2028é\xff\x00\b\f\n\r\t", "\xe2\x80\xa8\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got, _ := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	})
}
