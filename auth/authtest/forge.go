package authtest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Forgeries derives, from a valid token of a deployment whose public key is
// pub, tokens that every verifier of that deployment must refuse: "alg":
// "none", HS256 keyed with the public key (PEM and DER), an unknown kid, a
// tampered payload, another audience, another issuer, and a token signed
// by another key under the right kid. other is an RSA key that is not the
// deployment's. Test helper: it never touches the deployment's private key.
func Forgeries(valid string, pub *rsa.PublicKey, other *rsa.PrivateKey) (map[string]string, error) {
	parts := strings.Split(valid, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("authtest: not a JWT")
	}
	var header, payload map[string]any
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, err
	}
	if err := decodeSegment(parts[1], &payload); err != nil {
		return nil, err
	}
	sign := func(method jwt.SigningMethod, hdr map[string]any, claims map[string]any, key any) (string, error) {
		t := jwt.NewWithClaims(method, jwt.MapClaims(claims))
		t.Header = hdr
		return t.SignedString(key)
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	out := map[string]string{}
	add := func(name string, tok string, err error) error {
		if err != nil {
			return fmt.Errorf("authtest: %s: %w", name, err)
		}
		out[name] = tok
		return nil
	}
	none, err := sign(jwt.SigningMethodNone, with(header, "alg", "none"), payload, jwt.UnsafeAllowNoneSignatureType)
	if err := add("alg none", none, err); err != nil {
		return nil, err
	}
	out["alg none, signature stripped"] = parts[0] + "." + parts[1] + "."
	hsPEM, err := sign(jwt.SigningMethodHS256, with(header, "alg", "HS256"), payload, pubPEM)
	if err := add("HS256 keyed with the public key (PEM)", hsPEM, err); err != nil {
		return nil, err
	}
	hsDER, err := sign(jwt.SigningMethodHS256, with(header, "alg", "HS256"), payload, der)
	if err := add("HS256 keyed with the public key (DER)", hsDER, err); err != nil {
		return nil, err
	}
	kid, err := sign(jwt.SigningMethodRS256, with(header, "kid", "not-a-known-kid"), payload, other)
	if err := add("unknown kid", kid, err); err != nil {
		return nil, err
	}
	right, err := sign(jwt.SigningMethodRS256, header, payload, other)
	if err := add("right kid, another key", right, err); err != nil {
		return nil, err
	}
	tampered := with(payload, "workspaceId", "00000000-0000-4000-8000-000000000000", "userId", "00000000-0000-4000-8000-000000000001")
	raw, _ := json.Marshal(tampered)
	out["tampered payload"] = parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
	aud, err := sign(jwt.SigningMethodRS256, header, with(payload, "aud", []string{"another-api"}), other)
	if err := add("another audience", aud, err); err != nil {
		return nil, err
	}
	// Audience and issuer changed but signed by a foreign key cannot tell
	// the checks apart from the signature check; the key-holding variants
	// are covered natively in package auth (TestVerify).
	iss, err := sign(jwt.SigningMethodRS256, header, with(payload, "iss", "https://evil.example"), other)
	if err := add("another issuer", iss, err); err != nil {
		return nil, err
	}
	return out, nil
}

// SignedWith signs payload changes over a valid token's claims with key
// under the valid token's header: for tests that hold the deployment's key
// (the harness key) and need a token that is authentic but wrong in one
// claim (audience, issuer, expiry).
func SignedWith(valid string, key *rsa.PrivateKey, changes map[string]any) (string, error) {
	parts := strings.Split(valid, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("authtest: not a JWT")
	}
	var header, payload map[string]any
	if err := decodeSegment(parts[0], &header); err != nil {
		return "", err
	}
	if err := decodeSegment(parts[1], &payload); err != nil {
		return "", err
	}
	for k, v := range changes {
		if v == nil {
			delete(payload, k)
		} else {
			payload[k] = v
		}
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(payload))
	t.Header = header
	return t.SignedString(key)
}

func decodeSegment(s string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
