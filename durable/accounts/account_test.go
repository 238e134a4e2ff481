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
		return &refreshStore{sqlitedb.MustOpen(t, migrations.ApplyAccount)}
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
