package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// MinRSABits is the smallest RSA modulus accepted for signing or verifying.
const MinRSABits = 2048

// Keys is the RS256 key ring of one deployment: the current signing key plus
// older verify-only keys, each named by its kid, and the issuer and audience
// that tokens are issued for and checked against.
//
// Configure a Keys (Add*, Remove) before use; afterwards Issue, Verify and
// JWKS only read it and are safe from any goroutine.
type Keys struct {
	issuer   string
	audience string
	signKID  string
	signKey  *rsa.PrivateKey
	pub      map[string]*rsa.PublicKey
	kids     []string // insertion order, for a stable JWKS
}

// NewKeys returns an empty key ring for tokens with the given issuer ("iss")
// and audience ("aud"). Both are required.
func NewKeys(issuer, audience string) (*Keys, error) {
	if issuer == "" || audience == "" {
		return nil, errors.New("auth: issuer and audience are required")
	}
	return &Keys{issuer: issuer, audience: audience, pub: map[string]*rsa.PublicKey{}}, nil
}

// Issuer is the "iss" tokens are issued with and must carry.
func (k *Keys) Issuer() string { return k.issuer }

// Audience is the "aud" tokens are issued with and must contain.
func (k *Keys) Audience() string { return k.audience }

// SigningKeyID is the kid of the current signing key ("" when none).
func (k *Keys) SigningKeyID() string { return k.signKID }

// KeyIDs lists every kid that verifies, in the order keys were added.
func (k *Keys) KeyIDs() []string { return append([]string(nil), k.kids...) }

// AddSigningKey makes key the current signing key under kid (its RFC 7638
// thumbprint when kid is ""), and returns the kid. The previous signing key,
// if any, stays as a verify-only key.
func (k *Keys) AddSigningKey(kid string, key *rsa.PrivateKey) (string, error) {
	if key == nil {
		return "", errors.New("auth: nil signing key")
	}
	kid, err := k.AddVerifyKey(kid, &key.PublicKey)
	if err != nil {
		return "", err
	}
	k.signKID, k.signKey = kid, key
	return kid, nil
}

// AddSigningKeyPEM parses an RSA private key (PEM "RSA PRIVATE KEY" = PKCS#1
// or "PRIVATE KEY" = PKCS#8) and makes it the signing key, as AddSigningKey.
func (k *Keys) AddSigningKeyPEM(kid string, pemBytes []byte) (string, error) {
	key, err := ParsePrivateKeyPEM(pemBytes)
	if err != nil {
		return "", err
	}
	return k.AddSigningKey(kid, key)
}

// AddVerifyKey adds a verify-only public key under kid (its RFC 7638
// thumbprint when kid is "") and returns the kid. Adding the same key under
// the same kid again is a no-op; another key under a taken kid is an error.
func (k *Keys) AddVerifyKey(kid string, pub *rsa.PublicKey) (string, error) {
	if pub == nil || pub.N == nil {
		return "", errors.New("auth: nil public key")
	}
	if bits := pub.N.BitLen(); bits < MinRSABits {
		return "", fmt.Errorf("auth: RSA key of %d bits, want at least %d", bits, MinRSABits)
	}
	if kid == "" {
		kid = KeyID(pub)
	}
	if old, ok := k.pub[kid]; ok {
		if old.Equal(pub) {
			return kid, nil
		}
		return "", fmt.Errorf("auth: kid %q already names another key", kid)
	}
	k.pub[kid] = pub
	k.kids = append(k.kids, kid)
	return kid, nil
}

// AddVerifyKeyPEM adds a verify-only key from PEM: a public key ("PUBLIC
// KEY" = PKIX, "RSA PUBLIC KEY" = PKCS#1) or a private key, of which only
// the public half is kept.
func (k *Keys) AddVerifyKeyPEM(kid string, pemBytes []byte) (string, error) {
	pub, err := ParsePublicKeyPEM(pemBytes)
	if err != nil {
		return "", err
	}
	return k.AddVerifyKey(kid, pub)
}

// Remove drops the key named kid; tokens signed with it stop verifying
// (a VerifyCache may still hold them: Purge it). Removing the signing key
// leaves the ring unable to Issue until another signing key is added.
func (k *Keys) Remove(kid string) {
	if _, ok := k.pub[kid]; !ok {
		return
	}
	delete(k.pub, kid)
	for i, id := range k.kids {
		if id == kid {
			k.kids = append(k.kids[:i:i], k.kids[i+1:]...)
			break
		}
	}
	if k.signKID == kid {
		k.signKID, k.signKey = "", nil
	}
}

// JWK is one RSA public key as published in a JWKS (RFC 7517, RFC 7518 §6.3).
type JWK struct {
	Kty string `json:"kty"` // "RSA"
	Use string `json:"use"` // "sig"
	Alg string `json:"alg"` // "RS256"
	Kid string `json:"kid"`
	N   string `json:"n"` // modulus, base64url big-endian, no padding
	E   string `json:"e"` // exponent, likewise
}

// JWKS returns the JSON Web Key Set {"keys":[...]} of every verifying key, in
// the order they were added: serve it at /.well-known/jwks.json.
func (k *Keys) JWKS() []byte {
	set := struct {
		Keys []JWK `json:"keys"`
	}{Keys: make([]JWK, 0, len(k.kids))}
	for _, kid := range k.kids {
		set.Keys = append(set.Keys, publicJWK(kid, k.pub[kid]))
	}
	b, err := json.Marshal(set)
	if err != nil { // only strings: cannot happen
		panic(err)
	}
	return b
}

func publicJWK(kid string, pub *rsa.PublicKey) JWK {
	return JWK{Kty: "RSA", Use: "sig", Alg: "RS256", Kid: kid,
		N: b64url(pub.N.Bytes()), E: b64url(big.NewInt(int64(pub.E)).Bytes())}
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// PublicKey rebuilds the RSA public key a JWK describes.
func (j JWK) PublicKey() (*rsa.PublicKey, error) {
	if j.Kty != "RSA" {
		return nil, fmt.Errorf("auth: jwk kty %q is not RSA", j.Kty)
	}
	n, err1 := base64.RawURLEncoding.DecodeString(j.N)
	e, err2 := base64.RawURLEncoding.DecodeString(j.E)
	if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("auth: jwk n or e is not base64url")
	}
	eInt := new(big.Int).SetBytes(e)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(eInt.Int64())}, nil
}

// KeyID derives a kid from pub: its RFC 7638 JWK SHA-256 thumbprint,
// base64url.
func KeyID(pub *rsa.PublicKey) string {
	j := publicJWK("", pub)
	// RFC 7638: required members only, lexicographic order, no whitespace.
	sum := sha256.Sum256([]byte(`{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`))
	return b64url(sum[:])
}

// ParsePrivateKeyPEM parses the first PEM block of b as an RSA private key,
// PKCS#1 ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY"). Literal "\n"
// sequences are read as newlines, so a key kept on one line of .dev.vars or
// a secret works as is.
func ParsePrivateKeyPEM(b []byte) (*rsa.PrivateKey, error) {
	block, err := decodePEM(b)
	if err != nil {
		return nil, err
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = parsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = parsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("auth: PEM block %q is not an RSA private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: parse %s: %w", block.Type, err)
	}
	if bits := key.N.BitLen(); bits < MinRSABits {
		return nil, fmt.Errorf("auth: RSA key of %d bits, want at least %d", bits, MinRSABits)
	}
	return key, nil
}

// ParsePublicKeyPEM parses the first PEM block of b as an RSA public key
// ("PUBLIC KEY" = PKIX, "RSA PUBLIC KEY" = PKCS#1) or takes the public half of
// an RSA private key.
func ParsePublicKeyPEM(b []byte) (*rsa.PublicKey, error) {
	block, err := decodePEM(b)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := parsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("auth: parse PUBLIC KEY: %w", err)
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := parsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("auth: parse RSA PUBLIC KEY: %w", err)
		}
		return pub, nil
	default:
		key, err := ParsePrivateKeyPEM(b)
		if err != nil {
			return nil, err
		}
		return &key.PublicKey, nil
	}
}

func decodePEM(b []byte) (*pem.Block, error) {
	if !strings.Contains(string(b), "\n") && strings.Contains(string(b), `\n`) {
		b = []byte(strings.ReplaceAll(string(b), `\n`, "\n"))
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("auth: no PEM block found")
	}
	return block, nil
}

// GenerateKeyPEM generates an RSA private key of bits bits (at least
// MinRSABits) and returns it PEM-encoded as PKCS#8 ("PRIVATE KEY"), for
// `make dev` to write into .dev.vars.
func GenerateKeyPEM(bits int) ([]byte, error) {
	if bits < MinRSABits {
		return nil, fmt.Errorf("auth: RSA key of %d bits, want at least %d", bits, MinRSABits)
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, err
	}
	der, err := marshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
