package auth

import (
	"bytes"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// RSA keys in DER, without crypto/x509: importing it links net, crypto/ecdsa,
// the elliptic curves and the certificate parser into the wasm Worker (about
// half a megabyte gzip; see docs/architecture.md). These are the few ASN.1
// structures crypto/x509 itself uses for RSA keys (its pkcs1.go, pkcs8.go,
// x509.go), decoded by encoding/asn1 with the same checks.

// oidRSAEncryption is rsaEncryption (RFC 8017 appendix C), the algorithm of
// RSA keys in PKCS #8 and SubjectPublicKeyInfo.
var oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

// asn1NULL is the DER NULL that RSA algorithm parameters must be (RFC 3279
// §2.3.1).
var asn1NULL = []byte{0x05, 0x00}

// pkcs1PrivateKey is RSAPrivateKey (RFC 8017 appendix A.1.2).
type pkcs1PrivateKey struct {
	Version int
	N       *big.Int
	E       int
	D       *big.Int
	P       *big.Int
	Q       *big.Int
	Dp      *big.Int `asn1:"optional"`
	Dq      *big.Int `asn1:"optional"`
	Qinv    *big.Int `asn1:"optional"`

	AdditionalPrimes []pkcs1AdditionalRSAPrime `asn1:"optional,omitempty"`
}

type pkcs1AdditionalRSAPrime struct {
	Prime *big.Int
	Exp   *big.Int // unused: crypto/rsa derives it
	Coeff *big.Int // likewise
}

// pkcs1PublicKey is RSAPublicKey (RFC 8017 appendix A.1.1).
type pkcs1PublicKey struct {
	N *big.Int
	E int
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// pkcs8 is PrivateKeyInfo (RFC 5208 §5); optional attributes are ignored.
type pkcs8 struct {
	Version    int
	Algo       algorithmIdentifier
	PrivateKey []byte
}

// publicKeyInfo is SubjectPublicKeyInfo (RFC 5280 §4.1), the "PUBLIC KEY"
// PEM type.
type publicKeyInfo struct {
	Algorithm algorithmIdentifier
	PublicKey asn1.BitString
}

// parsePKCS1PrivateKey decodes an RSAPrivateKey and validates it, as
// x509.ParsePKCS1PrivateKey does.
func parsePKCS1PrivateKey(der []byte) (*rsa.PrivateKey, error) {
	var priv pkcs1PrivateKey
	rest, err := asn1.Unmarshal(der, &priv)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing data after the key")
	}
	if priv.Version > 1 {
		return nil, fmt.Errorf("unsupported RSAPrivateKey version %d", priv.Version)
	}
	if priv.N.Sign() <= 0 || priv.D.Sign() <= 0 || priv.P.Sign() <= 0 || priv.Q.Sign() <= 0 ||
		priv.Dp != nil && priv.Dp.Sign() <= 0 ||
		priv.Dq != nil && priv.Dq.Sign() <= 0 ||
		priv.Qinv != nil && priv.Qinv.Sign() <= 0 {
		return nil, errors.New("private key contains zero or negative value")
	}
	key := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: priv.N, E: priv.E},
		D:         priv.D,
		Primes:    []*big.Int{priv.P, priv.Q},
	}
	key.Precomputed.Dp, key.Precomputed.Dq, key.Precomputed.Qinv = priv.Dp, priv.Dq, priv.Qinv
	for _, a := range priv.AdditionalPrimes {
		if a.Prime == nil || a.Prime.Sign() <= 0 {
			return nil, errors.New("private key contains zero or negative prime")
		}
		key.Primes = append(key.Primes, a.Prime)
	}
	key.Precompute()
	if err := key.Validate(); err != nil {
		return nil, err
	}
	return key, nil
}

// parsePKCS8PrivateKey decodes a PrivateKeyInfo holding an RSA key.
func parsePKCS8PrivateKey(der []byte) (*rsa.PrivateKey, error) {
	var p pkcs8
	if _, err := asn1.Unmarshal(der, &p); err != nil {
		return nil, err
	}
	if !p.Algo.Algorithm.Equal(oidRSAEncryption) {
		return nil, fmt.Errorf("PKCS#8 key of algorithm %v, not RSA (%v)", p.Algo.Algorithm, oidRSAEncryption)
	}
	key, err := parsePKCS1PrivateKey(p.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("RSA key inside PKCS#8: %w", err)
	}
	return key, nil
}

// parsePKCS1PublicKey decodes an RSAPublicKey, as x509.ParsePKCS1PublicKey.
func parsePKCS1PublicKey(der []byte) (*rsa.PublicKey, error) {
	var pub pkcs1PublicKey
	rest, err := asn1.Unmarshal(der, &pub)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing data after the key")
	}
	if pub.N.Sign() <= 0 || pub.E <= 0 {
		return nil, errors.New("public key contains zero or negative value")
	}
	if pub.E > 1<<31-1 {
		return nil, errors.New("public key contains large public exponent")
	}
	return &rsa.PublicKey{N: pub.N, E: pub.E}, nil
}

// parsePKIXPublicKey decodes a SubjectPublicKeyInfo holding an RSA key, as
// x509.ParsePKIXPublicKey.
func parsePKIXPublicKey(der []byte) (*rsa.PublicKey, error) {
	var spki publicKeyInfo
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing data after the key")
	}
	if !spki.Algorithm.Algorithm.Equal(oidRSAEncryption) {
		return nil, fmt.Errorf("public key of algorithm %v, not RSA (%v)", spki.Algorithm.Algorithm, oidRSAEncryption)
	}
	if !bytes.Equal(spki.Algorithm.Parameters.FullBytes, asn1NULL) {
		return nil, errors.New("RSA key missing NULL parameters")
	}
	return parsePKCS1PublicKey(spki.PublicKey.RightAlign())
}

// marshalPKCS8PrivateKey encodes key as a PrivateKeyInfo, byte for byte as
// x509.MarshalPKCS8PrivateKey.
func marshalPKCS8PrivateKey(key *rsa.PrivateKey) ([]byte, error) {
	key.Precompute()
	if err := key.Validate(); err != nil {
		return nil, err
	}
	if len(key.Primes) != 2 {
		return nil, errors.New("only two-prime RSA keys are written")
	}
	inner, err := asn1.Marshal(pkcs1PrivateKey{
		N: key.N, E: key.E, D: key.D, P: key.Primes[0], Q: key.Primes[1],
		Dp: key.Precomputed.Dp, Dq: key.Precomputed.Dq, Qinv: key.Precomputed.Qinv,
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(pkcs8{
		Algo:       algorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.RawValue{FullBytes: asn1NULL}},
		PrivateKey: inner,
	})
}
