package domain_test

import (
	"testing"

	"edgecrm/domain"
)

func TestRoles(t *testing.T) {
	for _, s := range []string{"admin", "Admin", domain.RoleID(domain.RoleAdmin)} {
		if r, ok := domain.ParseRole(s); !ok || r != domain.RoleAdmin {
			t.Errorf("%q: %q %v", s, r, ok)
		}
	}
	if _, ok := domain.ParseRole("owner"); ok {
		t.Error("unknown role accepted")
	}
}
