package auth

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"
)

// cheapParams keeps argon2 fast in tests; only TestDefaultParams pays for
// DefaultParams.
var cheapParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const (
	testIssuer   = "https://edgecrm.test"
	testAudience = "edgecrm-api"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	rsaOnce          sync.Once
	rsaA, rsaB, rsaC *rsa.PrivateKey
	rsaAPEM          []byte
)

// testRSA returns three 2048-bit keys, generated once per test binary; A is
// made through GenerateKeyPEM and ParsePrivateKeyPEM.
func testRSA(t testing.TB) (a, b, c *rsa.PrivateKey) {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		if rsaAPEM, err = GenerateKeyPEM(2048); err != nil {
			panic(err)
		}
		if rsaA, err = ParsePrivateKeyPEM(rsaAPEM); err != nil {
			panic(err)
		}
		for _, k := range []**rsa.PrivateKey{&rsaB, &rsaC} {
			p, err := GenerateKeyPEM(2048)
			if err != nil {
				panic(err)
			}
			if *k, err = ParsePrivateKeyPEM(p); err != nil {
				panic(err)
			}
		}
	})
	return rsaA, rsaB, rsaC
}

// testKeys is a ring signing with A under "kid-a".
func testKeys(t testing.TB) *Keys {
	t.Helper()
	a, _, _ := testRSA(t)
	k, err := NewKeys(testIssuer, testAudience)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.AddSigningKey("kid-a", a); err != nil {
		t.Fatal(err)
	}
	return k
}

func pkixPEM(t testing.TB, pub *rsa.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func accessClaims() Claims {
	return Claims{Type: TokenAccess, UserID: "u-1", WorkspaceID: "w-1", WorkspaceMemberID: "m-1"}
}

func mustIssue(t testing.TB, k *Keys, c Claims, ttl time.Duration, now time.Time) string {
	t.Helper()
	is, err := k.Issue(c, ttl, now)
	if err != nil {
		t.Fatal(err)
	}
	return is.Token
}
