package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	mrand "math/rand"
	"testing"
)

// The hand-written DER reader accepts nothing crypto/x509 refuses, and
// reads what it accepts the same way: single-byte mutations of real keys.
func TestDERMutationsAgreeWithX509(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkix, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pkcs1 := x509.MarshalPKCS1PublicKey(&key.PublicKey)
	priv1 := x509.MarshalPKCS1PrivateKey(key)
	priv8, _ := x509.MarshalPKCS8PrivateKey(key)
	rng := mrand.New(mrand.NewSource(1))
	mutate := func(b []byte) []byte {
		m := append([]byte(nil), b...)
		// Mostly the header bytes, where the structure is.
		i := rng.Intn(min(len(m), 40))
		if rng.Intn(4) == 0 {
			i = rng.Intn(len(m))
		}
		m[i] = byte(rng.Intn(256))
		if rng.Intn(5) == 0 {
			m = m[:rng.Intn(len(m))]
		}
		return m
	}
	for n := 0; n < 3000; n++ {
		if m := mutate(pkix); true {
			ours, err := parsePKIXPublicKey(m)
			theirs, xerr := x509.ParsePKIXPublicKey(m)
			if err == nil && (xerr != nil || !ours.Equal(theirs)) {
				t.Fatalf("PKIX %x: ours accepted, x509: %v", m, xerr)
			}
		}
		if m := mutate(pkcs1); true {
			ours, err := parsePKCS1PublicKey(m)
			theirs, xerr := x509.ParsePKCS1PublicKey(m)
			if err == nil && (xerr != nil || !ours.Equal(theirs)) {
				t.Fatalf("PKCS#1 public %x: ours accepted, x509: %v", m, xerr)
			}
		}
		if n%20 == 0 { // private keys validate slowly
			m := mutate(priv1)
			if ours, err := parsePKCS1PrivateKey(m); err == nil {
				if theirs, xerr := x509.ParsePKCS1PrivateKey(m); xerr != nil || !ours.Equal(theirs) {
					t.Fatalf("PKCS#1 private %x: ours accepted, x509: %v", m, xerr)
				}
			}
			m = mutate(priv8)
			if ours, err := parsePKCS8PrivateKey(m); err == nil {
				if theirs, xerr := x509.ParsePKCS8PrivateKey(m); xerr != nil || !ours.Equal(theirs.(*rsa.PrivateKey)) {
					t.Fatalf("PKCS#8 %x: ours accepted, x509: %v", m, xerr)
				}
			}
		}
	}
	// And the unmutated keys read back.
	if k, err := parsePKIXPublicKey(pkix); err != nil || !k.Equal(&key.PublicKey) {
		t.Fatal(err)
	}
	if k, err := parsePKCS8PrivateKey(priv8); err != nil || !k.Equal(key) {
		t.Fatal(err)
	}
}

// An optional element that is absent still needs a readable header after
// it: encoding/asn1 reads the next tag and length before it skips an
// optional field, so a key followed by garbage is refused, not truncated.
func TestDEROptionalNeedsReadableHeader(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	for _, v := range []any{0, key.N, key.E, key.D, key.Primes[0], key.Primes[1]} {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, b...)
	}
	for _, tail := range [][]byte{
		{0x04, 0x80},                // indefinite length
		{0x04, 0x84, 0x80, 0, 0, 0}, // length too large
		{0x04, 0x81, 0x05},          // non-minimal length
		{0x04, 0x82, 0x00, 0x90},    // superfluous leading zero
		{0x1f, 0x80, 0x01, 0x00},    // non-minimal tag
		{0x04},                      // truncated
	} {
		der, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(append([]byte(nil), body...), tail...)})
		_, xerr := x509.ParsePKCS1PrivateKey(der)
		_, err := parsePKCS1PrivateKey(der)
		if xerr == nil || err == nil {
			t.Errorf("tail % x: ours %v, x509 %v; both should refuse", tail, err, xerr)
		}
	}
	// A readable element that is not an INTEGER is skipped by both.
	der, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(body, 0x04, 0x01, 0x00)})
	if _, err := parsePKCS1PrivateKey(der); err != nil {
		t.Errorf("readable trailing element: %v", err)
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err != nil {
		t.Errorf("x509 on a readable trailing element: %v", err)
	}
}
