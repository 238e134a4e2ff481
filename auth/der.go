package auth

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// RSA keys in DER, without crypto/x509: importing it links net, crypto/ecdsa,
// the elliptic curves and the certificate parser into the wasm Worker (about
// half a megabyte gzip; see docs/architecture.md). These are the few ASN.1
// structures crypto/x509 itself uses for RSA keys (its pkcs1.go, pkcs8.go,
// x509.go), read by hand with encoding/asn1's DER checks (minimal lengths
// and integers); encoding/asn1 itself is reflection-heavy (~30 KB gzip).

// oidRSAEncryption is rsaEncryption (RFC 8017 appendix C), 1.2.840.113549.1.1.1,
// as DER content bytes: the algorithm of RSA keys in PKCS #8 and
// SubjectPublicKeyInfo.
var oidRSAEncryption = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}

// asn1NULL is the DER NULL that RSA algorithm parameters must be (RFC 3279
// §2.3.1).
var asn1NULL = []byte{0x05, 0x00}

// DER tags used here.
const (
	tagInteger     = 0x02
	tagBitString   = 0x03
	tagOctetString = 0x04
	tagOID         = 0x06
	tagSequence    = 0x30
)

var errDERSyntax = errors.New("asn1: syntax error")

// derElement splits the first element off b: its tag, its content, the
// whole element and what follows.
func derElement(b []byte) (tag byte, content, full, rest []byte, err error) {
	if len(b) < 2 || b[0]&0x1f == 0x1f { // high tag numbers are not used here
		return 0, nil, nil, nil, errDERSyntax
	}
	tag, n, off := b[0], int(b[1]), 2
	if n&0x80 != 0 {
		size := n & 0x7f
		if size == 0 || size > 4 || len(b) < 2+size || b[2] == 0 {
			return 0, nil, nil, nil, errors.New("asn1: non-minimal or indefinite length")
		}
		n = 0
		for _, c := range b[2 : 2+size] {
			n = n<<8 | int(c)
		}
		if n < 0x80 {
			return 0, nil, nil, nil, errors.New("asn1: non-minimal length")
		}
		off += size
	}
	if n > len(b)-off {
		return 0, nil, nil, nil, errors.New("asn1: data truncated")
	}
	return tag, b[off : off+n], b[:off+n], b[off+n:], nil
}

// derExpect reads an element that must have tag.
func derExpect(b []byte, tag byte) (content, rest []byte, err error) {
	t, c, _, r, err := derElement(b)
	if err != nil {
		return nil, nil, err
	}
	if t != tag {
		return nil, nil, fmt.Errorf("asn1: structure error: tags don't match (%d vs %d)", tag, t)
	}
	return c, r, nil
}

// derBig reads an INTEGER (DER: minimally encoded).
func derBig(b []byte) (*big.Int, []byte, error) {
	c, rest, err := derExpect(b, tagInteger)
	if err != nil {
		return nil, nil, err
	}
	if len(c) == 0 || len(c) > 1 && (c[0] == 0 && c[1]&0x80 == 0 || c[0] == 0xff && c[1]&0x80 != 0) {
		return nil, nil, errors.New("asn1: integer not minimally-encoded")
	}
	n := new(big.Int).SetBytes(c)
	if c[0]&0x80 != 0 { // two's complement negative
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(c))))
	}
	return n, rest, nil
}

// derInt reads an INTEGER that fits an int64.
func derInt(b []byte) (int, []byte, error) {
	n, rest, err := derBig(b)
	if err != nil {
		return 0, nil, err
	}
	if !n.IsInt64() {
		return 0, nil, errors.New("asn1: integer too large")
	}
	return int(n.Int64()), rest, nil
}

// derOptionalBig reads an INTEGER if one comes next (nil if not).
func derOptionalBig(b []byte) (*big.Int, []byte, error) {
	if len(b) == 0 {
		return nil, b, nil
	}
	if err := derCheckHeader(b); err != nil {
		return nil, nil, err
	}
	if b[0] != tagInteger {
		return nil, b, nil
	}
	return derBig(b)
}

// derCheckHeader checks that b (not empty) starts with a tag and length
// encoding/asn1 can read: it reads them before it decides an optional
// element is absent, and refuses the whole structure if it cannot.
func derCheckHeader(b []byte) error {
	i := 1
	if b[0]&0x1f == 0x1f { // a high tag number: base 128, minimal, at most 5 bytes
		v := 0
		for ; ; i++ {
			if i >= len(b) || i == 6 || i == 1 && b[i] == 0x80 {
				return errDERSyntax
			}
			v = v<<7 | int(b[i]&0x7f)
			if b[i]&0x80 == 0 {
				i++
				break
			}
		}
		if v < 0x1f || v > math.MaxInt32 {
			return errDERSyntax
		}
	}
	if i >= len(b) {
		return errDERSyntax
	}
	size := int(b[i])
	if size&0x80 == 0 {
		return nil
	}
	size &= 0x7f
	if size == 0 || len(b) < i+1+size {
		return errDERSyntax
	}
	n := 0
	for _, c := range b[i+1 : i+1+size] {
		if n >= 1<<23 {
			return errors.New("asn1: length too large")
		}
		if n = n<<8 | int(c); n == 0 {
			return errDERSyntax
		}
	}
	if n < 0x80 {
		return errors.New("asn1: non-minimal length")
	}
	return nil
}

// derAlgorithm reads an AlgorithmIdentifier: its OID's content bytes and
// its parameters as a whole element (nil when absent).
func derAlgorithm(b []byte) (oid, params, rest []byte, err error) {
	seq, rest, err := derExpect(b, tagSequence)
	if err != nil {
		return nil, nil, nil, err
	}
	if oid, seq, err = derExpect(seq, tagOID); err != nil {
		return nil, nil, nil, err
	}
	if len(seq) > 0 {
		if _, _, params, _, err = derElement(seq); err != nil {
			return nil, nil, nil, err
		}
	}
	return oid, params, rest, nil
}

// oidString renders OID content bytes in dotted form, for errors.
func oidString(b []byte) string {
	var parts []string
	v := 0
	for i, c := range b {
		v = v<<7 | int(c&0x7f)
		if c&0x80 != 0 {
			continue
		}
		if len(parts) == 0 && i < 4 {
			first := min(v/40, 2)
			parts = append(parts, strconv.Itoa(first), strconv.Itoa(v-40*first))
		} else {
			parts = append(parts, strconv.Itoa(v))
		}
		v = 0
	}
	return strings.Join(parts, ".")
}

// parsePKCS1PrivateKey decodes an RSAPrivateKey (RFC 8017 appendix A.1.2)
// and validates it, as x509.ParsePKCS1PrivateKey does.
func parsePKCS1PrivateKey(der []byte) (*rsa.PrivateKey, error) {
	seq, rest, err := derExpect(der, tagSequence)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing data after the key")
	}
	version, seq, err := derInt(seq)
	if err != nil {
		return nil, err
	}
	var n, d, p, q *big.Int
	var e int
	if n, seq, err = derBig(seq); err != nil {
		return nil, err
	}
	if e, seq, err = derInt(seq); err != nil {
		return nil, err
	}
	for _, into := range []**big.Int{&d, &p, &q} {
		if *into, seq, err = derBig(seq); err != nil {
			return nil, err
		}
	}
	var dp, dq, qinv *big.Int
	for _, into := range []**big.Int{&dp, &dq, &qinv} {
		if *into, seq, err = derOptionalBig(seq); err != nil {
			return nil, err
		}
	}
	// otherPrimeInfos: SEQUENCE OF {prime, exponent, coefficient}; crypto/rsa
	// derives the last two. Anything after it is ignored, as encoding/asn1 does.
	var extra []*big.Int
	if len(seq) > 0 {
		if err := derCheckHeader(seq); err != nil {
			return nil, err
		}
	}
	if len(seq) > 0 && seq[0] == tagSequence {
		others, _, err := derExpect(seq, tagSequence)
		if err != nil {
			return nil, err
		}
		for len(others) > 0 {
			var one []byte
			if one, others, err = derExpect(others, tagSequence); err != nil {
				return nil, err
			}
			prime, one, err := derBig(one)
			if err != nil {
				return nil, err
			}
			for i := 0; i < 2; i++ {
				if _, one, err = derBig(one); err != nil {
					return nil, err
				}
			}
			extra = append(extra, prime)
		}
	}
	if version > 1 {
		return nil, fmt.Errorf("unsupported RSAPrivateKey version %d", version)
	}
	if n.Sign() <= 0 || d.Sign() <= 0 || p.Sign() <= 0 || q.Sign() <= 0 ||
		dp != nil && dp.Sign() <= 0 ||
		dq != nil && dq.Sign() <= 0 ||
		qinv != nil && qinv.Sign() <= 0 {
		return nil, errors.New("private key contains zero or negative value")
	}
	key := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: n, E: e},
		D:         d,
		Primes:    []*big.Int{p, q},
	}
	key.Precomputed.Dp, key.Precomputed.Dq, key.Precomputed.Qinv = dp, dq, qinv
	for _, prime := range extra {
		if prime.Sign() <= 0 {
			return nil, errors.New("private key contains zero or negative prime")
		}
		key.Primes = append(key.Primes, prime)
	}
	key.Precompute()
	if err := key.Validate(); err != nil {
		return nil, err
	}
	return key, nil
}

// parsePKCS8PrivateKey decodes a PrivateKeyInfo (RFC 5208 §5) holding an
// RSA key; optional attributes are ignored.
func parsePKCS8PrivateKey(der []byte) (*rsa.PrivateKey, error) {
	seq, _, err := derExpect(der, tagSequence)
	if err != nil {
		return nil, err
	}
	if _, seq, err = derInt(seq); err != nil {
		return nil, err
	}
	oid, _, seq, err := derAlgorithm(seq)
	if err != nil {
		return nil, err
	}
	inner, _, err := derExpect(seq, tagOctetString)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(oid, oidRSAEncryption) {
		return nil, fmt.Errorf("PKCS#8 key of algorithm %s, not RSA (%s)", oidString(oid), oidString(oidRSAEncryption))
	}
	key, err := parsePKCS1PrivateKey(inner)
	if err != nil {
		return nil, fmt.Errorf("RSA key inside PKCS#8: %w", err)
	}
	return key, nil
}

// parsePKCS1PublicKey decodes an RSAPublicKey (RFC 8017 appendix A.1.1),
// as x509.ParsePKCS1PublicKey.
func parsePKCS1PublicKey(der []byte) (*rsa.PublicKey, error) {
	seq, rest, err := derExpect(der, tagSequence)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing data after the key")
	}
	n, seq, err := derBig(seq)
	if err != nil {
		return nil, err
	}
	e, _, err := derInt(seq)
	if err != nil {
		return nil, err
	}
	if n.Sign() <= 0 || e <= 0 {
		return nil, errors.New("public key contains zero or negative value")
	}
	if e > 1<<31-1 {
		return nil, errors.New("public key contains large public exponent")
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

// parsePKIXPublicKey decodes a SubjectPublicKeyInfo (RFC 5280 §4.1, the
// "PUBLIC KEY" PEM type) holding an RSA key, as x509.ParsePKIXPublicKey.
func parsePKIXPublicKey(der []byte) (*rsa.PublicKey, error) {
	seq, rest, err := derExpect(der, tagSequence)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing data after the key")
	}
	oid, params, seq, err := derAlgorithm(seq)
	if err != nil {
		return nil, err
	}
	bits, _, err := derExpect(seq, tagBitString)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(oid, oidRSAEncryption) {
		return nil, fmt.Errorf("public key of algorithm %s, not RSA (%s)", oidString(oid), oidString(oidRSAEncryption))
	}
	if !bytes.Equal(params, asn1NULL) {
		return nil, errors.New("RSA key missing NULL parameters")
	}
	if len(bits) == 0 || bits[0] != 0 { // a key is whole bytes
		return nil, errors.New("asn1: invalid bit string")
	}
	return parsePKCS1PublicKey(bits[1:])
}

// derAppend appends one element: tag, DER length, content.
func derAppend(b []byte, tag byte, content []byte) []byte {
	b = append(b, tag)
	switch n := len(content); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	case n < 0x10000:
		b = append(b, 0x82, byte(n>>8), byte(n))
	default:
		b = append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, content...)
}

// derAppendBig appends a non-negative INTEGER.
func derAppendBig(b []byte, n *big.Int) []byte {
	c := n.Bytes()
	if len(c) == 0 || c[0]&0x80 != 0 {
		c = append([]byte{0}, c...)
	}
	return derAppend(b, tagInteger, c)
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
	inner := derAppendBig(nil, big.NewInt(0)) // version
	for _, n := range []*big.Int{key.N, big.NewInt(int64(key.E)), key.D, key.Primes[0], key.Primes[1],
		key.Precomputed.Dp, key.Precomputed.Dq, key.Precomputed.Qinv} {
		inner = derAppendBig(inner, n)
	}
	algo := append(derAppend(nil, tagOID, oidRSAEncryption), asn1NULL...)
	body := derAppendBig(nil, big.NewInt(0))
	body = derAppend(body, tagSequence, algo)
	body = derAppend(body, tagOctetString, derAppend(nil, tagSequence, inner))
	return derAppend(nil, tagSequence, body), nil
}
