package host

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

var scanSeeds = []string{
	`{"a":1,"b":[true,false,null,-0.5e-3,1E+2,0],"c":{"d":"e\"f\\u00e9\ud83d\ude00\n"},"g":[]}`,
	`"plain"`, `"esc \" \\ \/ \b \f \n \r \t \u0041"`, `"lone \ud800 x"`, `"pair \ud83d\ude00"`, `"\ud83d\u0041"`,
	`"Ünïcødé"`, "\"bad \xff utf8\"", "\"ctl \x01\"", `"\x"`, `"\u12"`,
	`01`, `-`, `1.`, `1e`, `.5`, `-0`, `1.5e-7`, `[1,]`, `{"a":}`, `{"a" 1}`, `{,}`, `[`, `tru`, `nul`, ` [ 1 , { } ] `, ``,
}

// FuzzScannerSkip: what the scanner passes is valid JSON, and Raw keeps
// its bytes as they are.
func FuzzScannerSkip(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewScanner(b)
		raw := s.Raw()
		if !s.End() {
			return
		}
		if !json.Valid(b) {
			t.Fatalf("%q: scanned, but encoding/json finds it invalid", b)
		}
		if !bytes.Equal(raw, bytes.TrimSpace(b)) {
			t.Fatalf("%q: raw %q", b, raw)
		}
	})
}

// FuzzScannerStr: a string the scanner reads is what encoding/json reads.
func FuzzScannerStr(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewScanner(b)
		got := s.Str()
		if !s.End() {
			return
		}
		var want string
		if err := json.Unmarshal(b, &want); err != nil || got != want {
			t.Fatalf("%q: scanned %q, encoding/json %q (%v)", b, got, want, err)
		}
	})
}

// FuzzScannerInt: an integer the scanner reads is what encoding/json reads.
func FuzzScannerInt(f *testing.F) {
	for _, s := range []string{`0`, `-0`, `12`, `-9223372036854775808`, `9223372036854775808`, `1.0`, `1e2`, `01`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewScanner(b)
		got := s.Int()
		if !s.End() {
			return
		}
		var want int64
		if err := json.Unmarshal(b, &want); err != nil || got != want {
			t.Fatalf("%q: scanned %d, encoding/json %d (%v)", b, got, want, err)
		}
	})
}

// FuzzScannerAny: a value the scanner reads is what encoding/json reads
// into an interface with UseNumber.
func FuzzScannerAny(f *testing.F) {
	for _, s := range append(scanSeeds, `{"a":1,"a":{"b":2}}`, `[[[]]]`, `{"":null}`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewScanner(b)
		got := s.Any()
		if !s.End() {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanned %#v, encoding/json %#v (%v)", b, got, want, err)
		}
	})
}
