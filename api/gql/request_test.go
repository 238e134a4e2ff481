package gql

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

var requestSeeds = []string{
	`{"query":"query Q($id: UUID!) {\n  company(filter: {id: {eq: $id}}) { id name }\n}","variables":{"id":"0b6f","n":1.5,"l":[1,{"a":null}]},"operationName":"Q"}`,
	`{"query":"{ __typename }"}`, `{"query":"{ a }","variables":null,"operationName":null}`,
	`{"query":"a","query":"b"}`, `{"variables":{"a":1},"variables":{"b":2},"query":"x"}`,
	`{"Query":"x"}`, `{"query":"x","extensions":{}}`, `{"query":1}`, `{"query":"x","variables":[]}`,
	`{"query":"x"} {}`, `[]`, `{"query":"\u00e9\ud83d\ude00"}`, "{\"query\":\"\xff\"}",
}

// TestScanRequestTakesClientBodies: the bodies GraphQL clients send
// (escaped newlines in the query, nested variables) take the fast path.
func TestScanRequestTakesClientBodies(t *testing.T) {
	r, ok := scanRequest(requestSeeds[0])
	if !ok || r.OperationName != "Q" || r.Variables["id"] != "0b6f" || r.Variables["n"] != json.Number("1.5") || r.Query[len(r.Query)-2:] != "\n}" {
		t.Fatalf("%v %#v", ok, r)
	}
}

// FuzzScanRequest: a body scanRequest takes decodes as encoding/json
// decodes it.
func FuzzScanRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, ok := scanRequest(body)
		if !ok {
			return
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(body)))
		dec.UseNumber()
		var want Request
		if err := dec.Decode(&want); err != nil || dec.More() || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanned %#v, encoding/json %#v (%v)", body, got, want, err)
		}
	})
}

// BenchmarkReadRequest decodes a read's body (the PostgreSQL comparison's
// company by id), the scanner's way and encoding/json's. Run it inside
// wasm too: GOOS=js GOARCH=wasm go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" -bench ReadRequest ./api/gql
func BenchmarkReadRequest(b *testing.B) {
	body := `{"query":"query($id: UUID!) {\n  company(filter: {id: {eq: $id}}) {\n    id name domainName { primaryLinkUrl } employees createdAt\n  }\n}","variables":{"id":"0b6f5a4e-3c1d-4e8f-9a2b-7c6d5e4f3a2b"}}`
	b.Run("scanner", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, ok := scanRequest(body); !ok {
				b.Fatal("not taken")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var r Request
			dec := json.NewDecoder(bytes.NewReader([]byte(body)))
			dec.UseNumber()
			if err := dec.Decode(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
