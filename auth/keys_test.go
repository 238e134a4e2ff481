package auth

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestJWKSRoundTrip(t *testing.T) {
	_, b, _ := testRSA(t)
	keys := testKeys(t)
	kidB, err := keys.AddVerifyKey("", &b.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tok := mustIssue(t, keys, accessClaims(), time.Hour, t0)

	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(keys.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 || set.Keys[0]["kid"] != "kid-a" || set.Keys[1]["kid"] != kidB {
		t.Fatalf("JWKS = %s", keys.JWKS())
	}
	for _, k := range set.Keys {
		for _, f := range []string{"kty", "n", "e", "kid", "alg", "use"} {
			if _, ok := k[f]; !ok {
				t.Fatalf("JWK lacks %q: %v", f, k)
			}
		}
		if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["e"] != "AQAB" {
			t.Fatalf("JWK = %v", k)
		}
		if len(k) != 6 {
			t.Fatalf("JWK publishes more than the public members: %v", k)
		}
	}

	// A third party verifies with nothing but the published n and e.
	var jwks struct{ Keys []JWK }
	json.Unmarshal(keys.JWKS(), &jwks)
	byKid := map[string]*rsa.PublicKey{}
	for _, j := range jwks.Keys {
		pub, err := j.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		byKid[j.Kid] = pub
	}
	parsed, err := jwt.Parse(tok, func(t *jwt.Token) (any, error) {
		return byKid[t.Header["kid"].(string)], nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return t0 }))
	if err != nil || !parsed.Valid {
		t.Fatalf("verify with published key: %v", err)
	}
	if KeyID(byKid[kidB]) != kidB {
		t.Fatal("thumbprint of published key differs from kid")
	}
	// ... and a token the ring did not sign fails against the same JWKS.
	_, _, c := testRSA(t)
	bad := forge(t, jwt.SigningMethodRS256, map[string]any{"alg": "RS256", "kid": "kid-a"}, goodPayload(), c)
	if _, err := jwt.Parse(bad, func(t *jwt.Token) (any, error) { return byKid["kid-a"], nil }); err == nil {
		t.Fatal("foreign token verified against JWKS")
	}
}

func TestKeyIDThumbprint(t *testing.T) {
	// RFC 7638 §3.1 example key and thumbprint.
	j := JWK{Kty: "RSA", E: "AQAB", N: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}
	pub, err := j.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := KeyID(pub), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Fatalf("KeyID = %s, want %s", got, want)
	}
}

func TestParseKeyPEM(t *testing.T) {
	a, _, _ := testRSA(t)
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(a)})
	der8, _ := x509.MarshalPKCS8PrivateKey(a)
	pkcs8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der8})
	oneLine := []byte(strings.ReplaceAll(string(pkcs8), "\n", `\n`))
	for name, b := range map[string][]byte{"PKCS#1": pkcs1, "PKCS#8": pkcs8, "GenerateKeyPEM": rsaAPEM, "escaped newlines": oneLine} {
		k, err := ParsePrivateKeyPEM(b)
		if err != nil || !k.Equal(a) {
			t.Fatalf("%s: %v", name, err)
		}
		pub, err := ParsePublicKeyPEM(b)
		if err != nil || !pub.Equal(&a.PublicKey) {
			t.Fatalf("%s public half: %v", name, err)
		}
	}
	pubPKCS1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&a.PublicKey)})
	for name, b := range map[string][]byte{"PKIX": pkixPEM(t, &a.PublicKey), "PKCS#1 public": pubPKCS1} {
		pub, err := ParsePublicKeyPEM(b)
		if err != nil || !pub.Equal(&a.PublicKey) {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := ParsePrivateKeyPEM(b); err == nil {
			t.Fatalf("%s parsed as a private key", name)
		}
	}
	bad := map[string][]byte{
		"empty":        nil,
		"not PEM":      []byte("hello"),
		"garbage body": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"wrong type":   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der8}),
	}
	for name, b := range bad {
		if _, err := ParsePrivateKeyPEM(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := GenerateKeyPEM(1024); err == nil {
		t.Error("GenerateKeyPEM(1024) succeeded")
	}
}

func TestKeyRotation(t *testing.T) {
	a, b, _ := testRSA(t)
	keys := testKeys(t)
	old := mustIssue(t, keys, accessClaims(), time.Hour, t0)
	if _, err := keys.AddSigningKey("kid-b", b); err != nil {
		t.Fatal(err)
	}
	if keys.SigningKeyID() != "kid-b" || strings.Join(keys.KeyIDs(), ",") != "kid-a,kid-b" {
		t.Fatalf("signing %q, kids %v", keys.SigningKeyID(), keys.KeyIDs())
	}
	fresh := mustIssue(t, keys, accessClaims(), time.Hour, t0)
	for _, tok := range []string{old, fresh} {
		if _, err := keys.Verify(tok, TokenAccess, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := keys.AddVerifyKey("kid-a", &b.PublicKey); err == nil {
		t.Fatal("a taken kid accepted another key")
	}
	if _, err := keys.AddVerifyKey("kid-a", &a.PublicKey); err != nil {
		t.Fatalf("re-adding the same key: %v", err)
	}
	keys.Remove("kid-a")
	if _, err := keys.Verify(old, TokenAccess, t0); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of removed key: %v", err)
	}
	if _, err := keys.Verify(fresh, TokenAccess, t0); err != nil {
		t.Fatal(err)
	}
	keys.Remove("kid-b")
	if _, err := keys.Issue(accessClaims(), time.Hour, t0); err == nil {
		t.Fatal("Issue without signing key succeeded")
	}
	if _, err := NewKeys("", "aud"); err == nil {
		t.Fatal("NewKeys without issuer succeeded")
	}
}
