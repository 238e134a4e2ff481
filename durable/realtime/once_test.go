package realtime

import (
	"testing"

	"edgecrm/durable/realtime/gqlws"
)

// A re-check of many sockets asks once per principal, whatever each
// socket's token expiry.
func TestOncePerPrincipal(t *testing.T) {
	calls := map[string]int{}
	check := oncePerPrincipal(func(p gqlws.Principal) (int, error) {
		calls[p.UserID]++
		if p.UserID == "gone" {
			return gqlws.CodeUnauthorized, nil
		}
		return 0, nil
	})
	for i := 0; i < 100; i++ {
		for _, u := range []string{"alice", "gone"} {
			code, err := check(gqlws.Principal{WorkspaceID: "w", UserID: u, Exp: int64(i)})
			if err != nil || (u == "gone") != (code == gqlws.CodeUnauthorized) {
				t.Fatalf("%s: code %d, err %v", u, code, err)
			}
		}
	}
	if calls["alice"] != 1 || calls["gone"] != 1 {
		t.Fatalf("checks per principal: %v, want one each", calls)
	}
}
