package dispatch

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"edgecrm/host"
)

// TestDecodeInputMatchesEncodingJSON: the scanner decodes what the shell
// sends exactly as encoding/json does, and hands anything else to it.
func TestDecodeInputMatchesEncodingJSON(t *testing.T) {
	for _, raw := range []string{
		`{"workspace":"ws-1","request":{"method":"POST","path":"/graphql","query":"a=1&b=%20","headers":{"content-type":"application/json","x-edgecrm-principal":"{\"kind\":\"user\",\"userId\":\"u1\"}","authorization":"Bearer abc.def"},"workspace":"ws-1"},"env":{"testHooks":true}}`,
		`{"request":{"method":"GET","path":"/rest/companies","query":"","headers":{},"body":"{\"name\":\"Ünïcødé \\u00e9 \\ud83d\\ude00 \\n\\t\\\\ \\/\"}"},"env":{"testHooks":false}}`,
		`{"workspace":"w","resume":{"workspace":"w","ctx":{"a":[1,2.5e3,-3,true,false,null,{"b":"c\"d"}]},"result":null,"error":""},"env":{"testHooks":false}}`,
		`{"workspace":"w","resume":{"workspace":"w","ctx":"text","result":{"rows":[]},"error":"boom: \"x\""},"env":{}}`,
		`{"workspace":"w","socket":{"id":"s1","attachment":"{\"a\":1}","frame":"{\"type\":\"ping\"}","protocol":"graphql-transport-ws","principal":"p","code":1000},"env":{"testHooks":false}}`,
		`{"account":"acc","request":{"method":"POST","path":"/x","query":"","headers":{}},"env":{"testHooks":false}}`,
		`{"token":"t","env":{"testHooks":false}}`,
		`{"workspace":"w","instance":"0b6e0c9e-2f8d-4a51-9a4e-3f1f0c2d7a11","account":"a","env":{"testHooks":true}}`,
		`{"request":null,"resume":null,"socket":null,"workspace":null}`,
		` { "workspace" : "w" , "env" : { "testHooks" : true } } `,
		`{"messages":[{"id":"m1","attempts":1,"body":{"a":1,"b":[true,null,-0.5e-3,"x\u00e9\"y"],"c":{}}},{"id":"m2","attempts":3,"body":null},{"id":"m3","attempts":2,"body":"text"}],"env":{"testHooks":false}}`,
		`{"messages":[],"env":{"testHooks":false}}`,
		`{"messages":null}`,
		// handed to encoding/json: other keys, another spelling, bad input
		`{"messages":[{"id":"m1","attempts":1.5,"body":{}}]}`,
		`{"messages":[{"id":"m1","Attempts":1,"body":{}}]}`,
		`{"messages":[{"id":"m1","attempts":1,"body":{"a":01}}]}`,
		`{"messages":[{"id":"m1","attempts":1,"body":{"a":"\x"}}]}`,
		`{"messages":[{"id":"m1","attempts":1,"body":[1,]}]}`,
		`{"messages":{"id":"m1"}}`,
		`{"config":{"A":"b"},"env":{"testHooks":false}}`,
		`{"Workspace":"w"}`,
		`{"socket":{"gone":["a","b"]}}`,
		`{"workspace":"w"`,
		`{"workspace":"w"} x`,
		`{"workspace":"bad \x01 control"}`,
		`{"workspace":"bad utf8 ` + "\xff" + `"}`,
		`{"workspace":"lone \ud800 surrogate"}`,
		`{"resume":{"ctx":{"a":}}}`,
		`{"socket":{"code":1.5}}`,
		`[]`,
		``,
	} {
		var want Input
		wantErr := json.Unmarshal([]byte(raw), &want)
		var got Input
		gotErr := decodeInput([]byte(raw), &got)
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			t.Errorf("%s: error %v, encoding/json %v", raw, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", raw, got, want)
		}
	}
}

// TestDecodeInputScansTheHotPath: a request, a continuation and a socket
// event do not fall back to encoding/json.
func TestDecodeInputScansTheHotPath(t *testing.T) {
	for _, raw := range []string{
		`{"workspace":"w","request":{"method":"GET","path":"/rest/companies","query":"","headers":{"x-edgecrm-principal":"{\"k\":1}"},"workspace":"w"},"instance":"6f1c","env":{"testHooks":false}}`,
		`{"workspace":"w","resume":{"workspace":"w","ctx":{"a":1},"result":[1,{"b":null}],"error":""},"instance":"6f1c","env":{"testHooks":false}}`,
		`{"workspace":"w","socket":{"id":"s","attachment":"","frame":"{}"},"instance":"6f1c","env":{"testHooks":false}}`,
		`{"messages":[{"id":"m1","attempts":1,"body":{"workspace":"w","seq":3,"payload":{"after":{"name":"A\"B","n":[1.5,null]}}}}],"env":{"testHooks":false}}`,
	} {
		var in Input
		if !scanInput(host.NewScanner([]byte(raw)), &in) {
			t.Errorf("%s: not scanned", raw)
		}
	}
}

func BenchmarkDecodeInput(b *testing.B) {
	request := []byte(`{"workspace":"01a24990-ecf1-4be2-8c1c-63b34d42c284","request":{"method":"GET","path":"/rest/companies/01a24990-efbb-5f85-7656-86d36f63f691","query":"","headers":{"accept-encoding":"gzip","authorization":"Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsIndvcmtzcGFjZUlkIjoiMDFhMjQ5OTAiLCJleHAiOjE3NjUwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl","cf-connecting-ip":"127.0.0.1","host":"127.0.0.1:8799","user-agent":"Go-http-client/1.1","x-edgecrm-principal":"{\"kind\":\"user\",\"userId\":\"8d7f\",\"workspaceId\":\"01a24990\",\"familyId\":\"f1\"}","x-edgecrm-workspace":"01a24990-ecf1-4be2-8c1c-63b34d42c284"},"workspace":"01a24990-ecf1-4be2-8c1c-63b34d42c284"},"env":{"testHooks":false}}`)
	// a queue batch of 100 person.created messages
	msg := `{"id":"6b1f0c5e2a","attempts":1,"body":{"workspace":"w1","seq":7,"id":"e7","type":"person.created","schemaVersion":1,"time":"2026-01-02T03:04:05Z","actor":"api","commandId":"c","payload":{"after":{"id":"0b9f6a52-5d0e-4d8e-9a55-3c6f0b1f2a11","name":{"firstName":"Anna","lastName":"Smith"},"emails":{"primaryEmail":"anna@example.com","additionalEmails":[]},"jobTitle":"Engineer","city":"Paris","position":12,"createdAt":"2026-01-02T03:04:05Z","deletedAt":null}},"notify":true}}`
	batch := []byte(`{"messages":[` + strings.TrimSuffix(strings.Repeat(msg+",", 100), ",") + `],"env":{"testHooks":false}}`)
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"request", request}, {"queue batch", batch}} {
		b.Run(c.name+"/scanner", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var in Input
				if !scanInput(host.NewScanner(c.raw), &in) {
					b.Fatal("not scanned")
				}
			}
		})
		b.Run(c.name+"/encoding/json", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var in Input
				if json.Unmarshal(c.raw, &in) != nil {
					b.Fatal()
				}
			}
		})
	}
}

// FuzzDecodeInput: whatever the bytes, decodeInput gives what encoding/json
// gives, error or not.
func FuzzDecodeInput(f *testing.F) {
	for _, s := range []string{
		`{"workspace":"w","request":{"method":"GET","path":"/x","query":"","headers":{"a":"b"}},"instance":"i","env":{"testHooks":false}}`,
		`{"workspace":"w","resume":{"workspace":"w","ctx":{"a":[1,{"b":null}]},"result":null,"error":""},"env":{"testHooks":true}}`,
		`{"workspace":"w","socket":{"id":"s","frame":"{}","code":1000},"env":{}}`,
		`{"messages":[{"id":"m1","attempts":2,"body":{"workspace":"w","seq":3}}],"env":{"testHooks":false}}`,
		`{"messages":null,"request":null}`, `{"workspace":"w","workspace":null}`, `{"Messages":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want Input
		gotErr := decodeInput(b, &got)
		wantErr := json.Unmarshal(b, &want)
		if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %+v (%v)\nwant %+v (%v)", b, got, gotErr, want, wantErr)
		}
	})
}
