package auth

import (
	"testing"
	"time"
)

func BenchmarkVerify(b *testing.B) {
	keys := testKeys(b)
	tok := mustIssue(b, keys, accessClaims(), time.Hour, t0)
	b.ResetTimer()
	for b.Loop() {
		if _, err := keys.Verify(tok, TokenAccess, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCached(b *testing.B) {
	keys := testKeys(b)
	c := NewVerifyCache(keys, 0)
	tok := mustIssue(b, keys, accessClaims(), time.Hour, t0)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Verify(tok, TokenAccess, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssue(b *testing.B) {
	keys := testKeys(b)
	for b.Loop() {
		mustIssue(b, keys, accessClaims(), time.Hour, t0)
	}
}

// BenchmarkHashPassword measures DefaultParams (the production cost).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
