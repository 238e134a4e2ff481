package auth

import (
	"encoding/json"
	"testing"

	"edgecrm/host"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{" Ada@Example.COM ": "ada@example.com", "a.b+c@x.io": "a.b+c@x.io"} {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ada", "ada@localhost", "Ada <ada@example.com>", "a@b.c\x00"} {
		if _, err := NormalizeEmail(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestPrincipalHeaderRoundTrip: Header writes json.Marshal's bytes and
// PrincipalFrom reads them back, by the fast scan or by encoding/json.
func TestPrincipalHeaderRoundTrip(t *testing.T) {
	for _, p := range []Principal{
		{Kind: KindUser, UserID: "u-1", MemberID: "m-1", FamilyID: "f-1"},
		{Kind: KindAPIKey, APIKeyID: "k-1", Role: "member"},
		{Kind: KindAdmin},
		{Kind: "user", UserID: `we"ird,id:x`, Role: "<admin>"},
		{},
	} {
		want, _ := json.Marshal(p)
		if h := p.Header(); h != string(want) {
			t.Errorf("Header() = %s, want %s", h, want)
		}
		got, err := PrincipalFrom(&host.Request{Headers: map[string]string{PrincipalHeader: p.Header()}})
		if err != nil || got != p {
			t.Errorf("%s: read back %+v, %v", p.Header(), got, err)
		}
	}
	for _, bad := range []string{"", "{", `{"kind":"user"}x`, `[1]`, `{"kind":1}`} {
		if p, err := PrincipalFrom(&host.Request{Headers: map[string]string{PrincipalHeader: bad}}); err == nil {
			t.Errorf("%q accepted as %+v", bad, p)
		}
	}
}
