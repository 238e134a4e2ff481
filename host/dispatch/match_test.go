package dispatch

import (
	"regexp"
	"strings"
	"testing"

	"edgecrm/durable/accounts"
)

func TestIDCheckersAgreeWithRegexp(t *testing.T) {
	ws := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	obj := regexp.MustCompile(`^[0-9A-Za-z_-]{8,128}$`)
	for _, id := range []string{"", "a", "-a", "a-", "acme-1", "Acme", "a_b", "é", strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 7), strings.Repeat("a", 8), "abcdefg-_", strings.Repeat("Z", 128), strings.Repeat("Z", 129), "abcdefgh.", "abcdefgh "} {
		if got, want := ValidWorkspaceID(id), ws.MatchString(id); got != want {
			t.Errorf("ValidWorkspaceID(%q) = %v, regexp says %v", id, got, want)
		}
		if got, want := accounts.ValidObjectID(id), obj.MatchString(id); got != want {
			t.Errorf("ValidObjectID(%q) = %v, regexp says %v", id, got, want)
		}
	}
}
