package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// MaxPasswordBytes bounds a password's length in bytes (not characters),
// so that hashing cost cannot be driven by input size.
const MaxPasswordBytes = 1024

// Limits on parameters, both for hashing and for parsing stored hashes: a
// stored hash decides how much memory and time VerifyPassword spends, and
// every Durable Object of an isolate shares its 128 MB.
const (
	MaxMemoryKiB = 64 * 1024 // 64 MiB
	MaxTime      = 10
	MaxThreads   = 4
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

// Params are argon2id cost parameters. They are written into every PHC
// string, so verification always uses the parameters a hash was made with
// and they can be raised later (see NeedsRehash).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes of random salt
	KeyLen  uint32 // bytes of derived hash
}

// DefaultParams is the OWASP minimum for argon2id: m=19 MiB, t=2, p=1, with a
// 16-byte salt and a 32-byte hash (≈ 137 ms in Go wasm, 35 ms natively).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Validate reports whether p is within this package's limits.
func (p Params) Validate() error {
	switch {
	case p.Time < 1 || p.Time > MaxTime:
		return fmt.Errorf("argon2id: t=%d outside 1..%d", p.Time, MaxTime)
	case p.Threads < 1 || p.Threads > MaxThreads:
		return fmt.Errorf("argon2id: p=%d outside 1..%d", p.Threads, MaxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > MaxMemoryKiB:
		return fmt.Errorf("argon2id: m=%d KiB outside %d..%d", p.Memory, 8*uint32(p.Threads), MaxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2id: salt of %d bytes outside %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id: hash of %d bytes outside %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// HashPassword hashes pw with DefaultParams and a fresh random salt and
// returns the PHC string "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>".
func HashPassword(pw string) (string, error) { return DefaultParams.Hash(pw) }

// Hash hashes pw with p and a fresh random salt, returning a PHC string.
func (p Params) Hash(pw string) (string, error) {
	if err := checkPassword(pw); err != nil {
		return "", err
	}
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2id: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodePHC(p, salt, key), nil
}

// VerifyPassword reports whether pw matches the PHC string encoded, using the
// parameters stored in it and a constant-time comparison. A wrong password
// is (false, nil); an empty or too long password, or a malformed or
// out-of-limits hash, is (false, error).
//
// To avoid revealing which accounts exist, a login for an unknown account
// should still call VerifyPassword (against any fixed hash made with the
// current params) before refusing.
func VerifyPassword(encoded, pw string) (bool, error) {
	if err := checkPassword(pw); err != nil {
		return false, err
	}
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was not made with p (or cannot be
// parsed), so that a successful login can store a fresh hash.
func NeedsRehash(encoded string, p Params) bool {
	q, _, _, err := decodePHC(encoded)
	return err != nil || q != p
}

func checkPassword(pw string) error {
	if pw == "" {
		return ErrEmptyPassword
	}
	if len(pw) > MaxPasswordBytes {
		return ErrPasswordTooLong
	}
	return nil
}

// PHC strings use standard base64 without padding.
var b64 = base64.RawStdEncoding.Strict()

func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformedHash}, args...)...)
}

// decodePHC parses "$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>" strictly:
// that algorithm and version only, parameters in that order, canonical
// decimals, canonical unpadded base64, and every value within Params' limits.
func decodePHC(s string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, malformed("want 5 '$'-separated fields")
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, malformed("algorithm %q is not argon2id", trunc(parts[1]))
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, malformed("version %q is not v=%d", trunc(parts[2]), argon2.Version)
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, malformed("parameters must be m=,t=,p=")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return p, nil, nil, malformed("parameter %d must be %s=", i+1, name)
		}
		if v == "" || (len(v) > 1 && v[0] == '0') {
			return p, nil, nil, malformed("parameter %s is not a canonical decimal", name)
		}
		n, perr := strconv.ParseUint(v, 10, 32)
		if perr != nil {
			return p, nil, nil, malformed("parameter %s is not a decimal", name)
		}
		vals[i] = n
	}
	if vals[2] > MaxThreads {
		return p, nil, nil, malformed("p=%d exceeds %d", vals[2], MaxThreads)
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, malformed("salt is not unpadded base64")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, malformed("hash is not unpadded base64")
	}
	p = Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2]),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.Validate(); err != nil {
		return Params{}, nil, nil, malformed("%v", err)
	}
	return p, salt, key, nil
}

func trunc(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}
