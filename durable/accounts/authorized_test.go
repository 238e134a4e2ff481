package accounts

import (
	"testing"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/sqldb/sqlitedb"
)

// What an object instance's committed calls authorized is kept for its
// next calls until one of them changes the access tables.
func TestAccessChangeForgetsAuthorizedPrincipals(t *testing.T) {
	db := sqlitedb.MustOpen(t)
	open := func() *durable.Workspace {
		t.Helper()
		w, err := durable.OpenInstance("ws-authorized", db, nil, "instance-1")
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	open().KeepVars() // the seeding call changed the metadata: nothing kept
	w := open()
	w.RememberAuthorized("k", durable.Access{Role: "member"})
	w.KeepVars()
	w = open()
	if a, ok := w.Authorized("k"); !ok || a.Role != "member" {
		t.Fatalf("after a committed call: %+v %v", a, ok)
	}
	if err := OpenAccess(w).execute("actor", domain.SaveRole{Role: domain.Role{ID: "7b0c1f0e-2d1a-4c5b-9e8f-0a1b2c3d4e5f", Label: "Sales"}, Create: true}); err != nil {
		t.Fatal(err)
	}
	w.KeepVars()
	if a, ok := open().Authorized("k"); ok {
		t.Fatalf("after an access change: still authorized %+v", a)
	}
}
