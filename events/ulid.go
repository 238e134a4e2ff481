package events

import (
	"crypto/rand"
	"errors"
	"time"
)

// ULIDs (github.com/ulid/spec): 48 bits of Unix milliseconds, then 80
// random bits, in Crockford's base32. Written here rather than with
// github.com/oklog/ulid/v2, which links database/sql/driver and bufio into
// the wasm; ulid_test.go checks it against that library.

// NewULID returns a ULID for time t with fresh random bits.
func NewULID(t time.Time) ([16]byte, error) {
	var id [16]byte
	ms := uint64(t.Unix())*1000 + uint64(t.Nanosecond()/int(time.Millisecond))
	if ms>>48 != 0 {
		return id, errors.New("ulid: time out of range")
	}
	for i := 0; i < 6; i++ {
		id[i] = byte(ms >> (40 - 8*i))
	}
	_, err := rand.Read(id[6:])
	return id, err
}

// ULIDString renders id in its 26-character canonical form.
func ULIDString(id [16]byte) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var hi, lo uint64
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(id[i])
		lo = lo<<8 | uint64(id[8+i])
	}
	var out [26]byte
	for i := 25; i >= 0; i-- { // 5 bits at a time from the low end
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
