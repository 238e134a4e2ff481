package dispatch_test

import (
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/host"
	"edgecrm/host/native"
)

// connection_init is checked like an HTTP request: the token is verified
// with the isolate's keys and against the workspace's own members.
func TestConnectionInitTokens(t *testing.T) {
	pem, err := auth.GenerateKeyPEM(2048)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Configure(map[string]string{auth.EnvPrivateKey: string(pem)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Configure(map[string]string{}) })
	keys := auth.Current().Keys
	if keys == nil {
		t.Fatalf("no keys: %s", auth.Current().KeyError)
	}
	issue := func(ws, user, member string, ttl time.Duration, now time.Time) string {
		is, err := keys.Issue(auth.Claims{Type: auth.TokenAccess, UserID: user, WorkspaceID: ws, WorkspaceMemberID: member}, ttl, now)
		if err != nil {
			t.Fatal(err)
		}
		return is.Token
	}
	h := native.MustNew(t)
	h.Fetch("ws1", host.Request{Method: "GET", Path: "/admin/state"}) // open the object
	db, _ := h.Object("ws1")
	if _, err := db.Exec(`INSERT INTO _auth_members (member_id, user_id, email, account, role, joined_at) VALUES ('m1', 'u1', 'a@b.co', 'acct', 'member', '2025-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cases := []struct {
		name    string
		payload string
		code    int // 0: acknowledged
	}{
		{"member's access token", `{"token":"` + issue("ws1", "u1", "m1", time.Hour, now) + `"}`, 0},
		{"as an Authorization header", `{"Authorization":"Bearer ` + issue("ws1", "u1", "m1", time.Hour, now) + `"}`, 0},
		{"no token", `{}`, 4401},
		{"no payload", `null`, 4401},
		{"garbage", `{"token":"not.a.jwt"}`, 4401},
		{"expired", `{"token":"` + issue("ws1", "u1", "m1", time.Second, now.Add(-time.Hour)) + `"}`, 4401},
		{"another workspace", `{"token":"` + issue("ws2", "u1", "m1", time.Hour, now) + `"}`, 4403},
		{"not a member", `{"token":"` + issue("ws1", "u9", "m9", time.Hour, now) + `"}`, 4403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _, err := h.WSOpenAs("ws1", "graphql-transport-ws", "") // the browser's way: no credentials on the upgrade
			if err != nil {
				t.Fatal(err)
			}
			if err := h.WSSend(s, `{"type":"connection_init","payload":`+c.payload+`}`); err != nil {
				t.Fatal(err)
			}
			if c.code == 0 {
				if s.Closed || len(s.Sent) != 1 || s.Sent[0] != `{"type":"connection_ack"}` {
					t.Fatalf("not acknowledged: %+v", s)
				}
				return
			}
			if !s.Closed || s.CloseCode != c.code {
				t.Fatalf("close %v %d %q, want %d", s.Closed, s.CloseCode, s.CloseReason, c.code)
			}
		})
	}

	// An upgrade the edge authenticated (principal header): connection_init
	// needs no token; a principal that is no longer a member is refused.
	member := auth.Principal{Kind: auth.KindUser, UserID: "u1", MemberID: "m1"}.Header()
	s, _, err := h.WSOpenAs("ws1", "graphql-transport-ws", member)
	if err != nil {
		t.Fatal(err)
	}
	h.WSSend(s, `{"type":"connection_init","payload":{}}`)
	if s.Closed || len(s.Sent) != 1 || s.Sent[0] != `{"type":"connection_ack"}` {
		t.Fatalf("preauthorized socket not acknowledged: %+v", s)
	}
	stranger := auth.Principal{Kind: auth.KindUser, UserID: "u9", MemberID: "m9"}.Header()
	s, _, _ = h.WSOpenAs("ws1", "graphql-transport-ws", stranger)
	if !s.Closed || s.CloseCode != 4403 {
		t.Fatalf("stranger's upgrade: %+v", s)
	}
}
