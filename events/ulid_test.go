package events

import (
	"math/rand"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
)

// NewULID and ULIDString agree with github.com/oklog/ulid/v2.
func TestULIDMatchesLibrary(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 1000; i++ {
		var id [16]byte
		rng.Read(id[:])
		if i == 0 {
			id = [16]byte{}
		} else if i == 1 {
			for j := range id {
				id[j] = 0xff
			}
		}
		if got, want := ULIDString(id), ulid.ULID(id).String(); got != want {
			t.Fatalf("ULIDString(%x) = %s, the library %s", id, got, want)
		}
	}
	at := time.Date(2026, 12, 6, 2, 30, 0, 123456789, time.UTC)
	id, err := NewULID(at)
	if err != nil || ulid.ULID(id).Time() != ulid.Timestamp(at) {
		t.Fatalf("NewULID time %d, want %d (%v)", ulid.ULID(id).Time(), ulid.Timestamp(at), err)
	}
	if id2, _ := NewULID(at); id2 == id {
		t.Fatal("two ULIDs in one millisecond are equal: no random bits")
	}
}
