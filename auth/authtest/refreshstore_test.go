package authtest

import (
	"testing"

	"edgecrm/auth"
)

func TestMemRefreshStore(t *testing.T) {
	RefreshStore(t, func(*testing.T) auth.RefreshStore { return auth.NewMemRefreshStore() })
}
