package edge_test

import (
	"testing"

	"edgecrm/auth"
	"edgecrm/auth/authtest"
	"edgecrm/host/native"
)

// forgeries are tokens derived from a valid one that the edge must refuse:
// authtest.Forgeries plus, signed with the deployment's own key, another
// audience, another issuer and a refresh token presented as an access one.
func forgeries(t *testing.T, valid string) map[string]string {
	t.Helper()
	key, err := auth.ParsePrivateKeyPEM(native.TestKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	other, err := auth.ParsePrivateKeyPEM(otherKey(t))
	if err != nil {
		t.Fatal(err)
	}
	out, err := authtest.Forgeries(valid, &key.PublicKey, other)
	if err != nil {
		t.Fatal(err)
	}
	for name, changes := range map[string]map[string]any{
		"wrong audience (right key)":         {"aud": []string{"another-api"}},
		"wrong issuer (right key)":           {"iss": "https://evil.example"},
		"refresh type as access (right key)": {"type": "REFRESH"},
		"no exp (right key)":                 {"exp": nil},
	} {
		tok, err := authtest.SignedWith(valid, key, changes)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = tok
	}
	return out
}

var otherPEM []byte

func otherKey(t *testing.T) []byte {
	if otherPEM == nil {
		var err error
		if otherPEM, err = auth.GenerateKeyPEM(2048); err != nil {
			t.Fatal(err)
		}
	}
	return otherPEM
}
