package consumer

import (
	"encoding/json"
	"reflect"
	"testing"

	"edgecrm/durable/stream"
)

// TestEnvelopeReadsStreamMessages: every field the consumer reads is a
// field of stream.Message with the same JSON name and type, and parse
// reads them from a message that carries a payload.
func TestEnvelopeReadsStreamMessages(t *testing.T) {
	full := reflect.TypeOf(stream.Message{})
	env := reflect.TypeOf(envelope{})
	for i := 0; i < env.NumField(); i++ {
		f := env.Field(i)
		g, ok := full.FieldByName(f.Name)
		if !ok || g.Tag.Get("json") != f.Tag.Get("json") || g.Type != f.Type {
			t.Errorf("envelope.%s (%s %q) is not stream.Message's (%v %q)", f.Name, f.Type, f.Tag.Get("json"), g.Type, g.Tag.Get("json"))
		}
	}
	body := []byte(`{"workspace":"w1","seq":7,"id":"e7","type":"person.created","schemaVersion":1,"time":"2026-01-02T03:04:05Z","actor":"api","commandId":"c","payload":{"after":{"name":{"firstName":"Anna"},"tags":["a","b"],"n":1.5}},"notify":true}`)
	items, bad := parse([]Message{{ID: "m1", Attempts: 1, Body: body}, {ID: "m2", Body: []byte(`{"seq":1}`)}})
	want := envelope{Workspace: "w1", Seq: 7, ID: "e7", Type: "person.created", Notify: true}
	if len(items) != 1 || items[0].body != want || len(bad) != 1 || bad[0] != "m2" {
		t.Fatalf("parse = %+v, bad %v; want one item %+v and m2 bad", items, bad, want)
	}
}

// BenchmarkParse: a queue batch of 100 record events, read as envelopes
// (parse) and, for comparison, whole (stream.Message, payload included).
func BenchmarkParse(b *testing.B) {
	body := []byte(`{"workspace":"w1","seq":7,"id":"e7","type":"person.created","schemaVersion":1,"time":"2026-01-02T03:04:05Z","actor":"api","commandId":"c","payload":{"after":{"id":"0b9f6a52-5d0e-4d8e-9a55-3c6f0b1f2a11","name":{"firstName":"Anna","lastName":"Smith"},"emails":{"primaryEmail":"anna@example.com","additionalEmails":[]},"phones":{"primaryPhoneNumber":"+33 1 23 45 67 89","primaryPhoneCountryCode":"FR","additionalPhones":[]},"jobTitle":"Engineer","city":"Paris","avatarUrl":"","position":12,"companyId":"5e8c3a1d-2b4f-4c6a-8d9e-0f1a2b3c4d5e","createdBy":{"source":"API","name":"bench"},"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z","deletedAt":null}},"notify":true}`)
	msgs := make([]Message, 100)
	for i := range msgs {
		msgs[i] = Message{ID: "m", Attempts: 1, Body: body}
	}
	b.Run("envelope", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			parse(msgs)
		}
	})
	b.Run("stream.Message", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, m := range msgs {
				var full stream.Message
				_ = json.Unmarshal(m.Body, &full)
			}
		}
	})
}

// FuzzDecodeEnvelope: the scanned envelope is what encoding/json decodes,
// error or not.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"workspace":"w1","seq":7,"id":"e7","type":"person.created","schemaVersion":1,"payload":{"after":{"n":[1.5,null,"x\"y"]}},"notify":true}`,
		`{"workspace":"w","seq":1,"Workspace":"v"}`, `{"workspace":"w","seq":null,"notify":null}`, `{"seq":1.5}`, `{"seq":"1"}`,
		`{"workspace":"w","workspace":null}`, `{"id":"\u00e9\ud83d\ude00"}`, `[]`, `{"a":}`, `{}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want envelope
		gotErr := decodeEnvelope(b, &got)
		wantErr := json.Unmarshal(b, &want)
		if (gotErr == nil) != (wantErr == nil) || got != want {
			t.Fatalf("%q: scanned %+v (%v), encoding/json %+v (%v)", b, got, gotErr, want, wantErr)
		}
	})
}
