package accounts

import (
	"testing"

	"edgecrm/auth"
	"edgecrm/auth/authtest"
	"edgecrm/migrations"
	"edgecrm/sqldb/sqlitedb"
)

func TestRefreshStoreConformance(t *testing.T) {
	authtest.RefreshStore(t, func(t *testing.T) auth.RefreshStore {
		db, err := sqlitedb.Open(":memory:")
		if err != nil {
			t.Fatal(err)
		}
		if err := migrations.ApplyAccount(db); err != nil {
			t.Fatal(err)
		}
		return &refreshStore{db}
	})
}

// The dummy hash must cost what a real one costs.
func TestDummyHashUsesDefaultParams(t *testing.T) {
	if auth.NeedsRehash(dummyHash, auth.DefaultParams) {
		t.Fatal("dummyHash was not made with auth.DefaultParams: regenerate it")
	}
	if ok, err := auth.VerifyPassword(dummyHash, "anything"); ok || err != nil {
		t.Fatalf("dummy hash verified: %v %v", ok, err)
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{" Ada@Example.COM ": "ada@example.com", "a.b+c@x.io": "a.b+c@x.io"} {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ada", "ada@localhost", "Ada <ada@example.com>", "a@b.c\x00"} {
		if _, err := NormalizeEmail(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRoles(t *testing.T) {
	for _, s := range []string{"admin", "Admin", RoleID(RoleAdmin)} {
		if r, ok := ParseRole(s); !ok || r != RoleAdmin {
			t.Errorf("%q: %q %v", s, r, ok)
		}
	}
	if _, ok := ParseRole("owner"); ok {
		t.Error("unknown role accepted")
	}
}
