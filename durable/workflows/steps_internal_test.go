package workflows

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

// A subject that is not plain ASCII goes as base64 words of whole runes
// (at most 75 characters each, as RFC 2047 asks), CR and LF included, so
// no header can be injected; plain ASCII goes as is.
func TestEncodeWords(t *testing.T) {
	if got := encodeWords("Hello Ada"); got != "Hello Ada" {
		t.Fatalf("plain: %q", got)
	}
	subject := strings.Repeat("é", 40) + "\r\nBcc: x@example.com"
	got := encodeWords(subject)
	var decoded string
	for _, w := range strings.Split(got, "\r\n ") {
		if len(w) > 75 || !strings.HasPrefix(w, "=?utf-8?b?") || !strings.HasSuffix(w, "?=") {
			t.Fatalf("word %q", w)
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(w, "=?utf-8?b?"), "?="))
		if err != nil || !utf8.Valid(b) {
			t.Fatalf("word %q: %v", w, err)
		}
		decoded += string(b)
	}
	if decoded != subject || strings.Contains(strings.ReplaceAll(got, "\r\n ", ""), "\n") {
		t.Fatalf("encoded %q decodes to %q", got, decoded)
	}
}
