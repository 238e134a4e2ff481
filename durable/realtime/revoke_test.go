package realtime_test

import (
	"strings"
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/durable/accounts"
	"edgecrm/durable/realtime/gqlws"
	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/host/native"
)

// An open socket keeps its rights only while its token would still be
// accepted over HTTP: sign-out closes it at once (the access change
// re-checks every subscribed socket), member removal and API key
// revocation at its next frame, token expiry when its timer fires.
func TestSocketLosesRights(t *testing.T) {
	if err := auth.Configure(map[string]string{auth.EnvPrivateKey: string(native.TestKeyPEM())}); err != nil {
		t.Fatal(err)
	}
	defer auth.Configure(map[string]string{})
	keys := auth.Current().Keys
	// The object's clock stands still, so the expiry alarm's delay does not
	// shrink while a loaded machine runs the earlier cases.
	now := time.Now()
	oldNow := dispatch.Now
	dispatch.Now = func() time.Time { return now }
	defer func() { dispatch.Now = oldNow }()
	issue := func(c auth.Claims, ttl time.Duration) string {
		c.WorkspaceID = ws
		// Issued at the object's standing clock: the expiry alarm's delay is
		// then exactly ttl plus the slack, however long earlier subtests took
		// on a busy machine (issued at the wall clock, it grew past 61 s).
		is, err := keys.Issue(c, ttl, now)
		if err != nil {
			t.Fatal(err)
		}
		return is.Token
	}
	exec := func(h *native.Host, sql string) {
		db, _ := h.Object(ws)
		if _, err := db.Exec(sql); err != nil {
			t.Fatal(err)
		}
	}
	user := auth.Claims{Type: auth.TokenAccess, UserID: "u1", WorkspaceMemberID: "m1", FamilyID: "fam1"}
	apiKey := auth.Claims{Type: auth.TokenAPIKey, TokenID: "k1"}
	cases := []struct {
		name   string
		claims auth.Claims
		ttl    time.Duration
		revoke func(h *native.Host, s *native.Socket)
		code   int
	}{
		{"sign-out closes at once", user, time.Hour, func(h *native.Host, s *native.Socket) {
			resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: accounts.PathRevokeSession, Headers: map[string]string{}, Body: `{"familyId":"fam1","expiresAt":"2999-01-01T00:00:00Z"}`})
			if err != nil || resp.Status != 200 {
				t.Fatalf("revoke-session: %v %+v", err, resp)
			}
		}, 4401},
		{"member removed: next frame", user, time.Hour, func(h *native.Host, s *native.Socket) {
			exec(h, `DELETE FROM _auth_members WHERE member_id = 'm1'`)
			h.WSSend(s, `{"type":"ping","payload":{}}`)
		}, 4401},
		{"API key revoked: next frame", apiKey, time.Hour, func(h *native.Host, s *native.Socket) {
			exec(h, `UPDATE _auth_api_keys SET revoked_at = '2025-01-02T00:00:00Z'`)
			h.WSSend(s, `{"id":"2","type":"subscribe","payload":{"query":"subscription { onDbEvent(input: {}) { seq } }"}}`)
		}, 4401},
		{"token expired: the object's alarm", user, time.Minute, func(h *native.Host, s *native.Socket) {
			if d, ok := h.Alarm(ws); !ok || d < 59_000 || d > 61_000 {
				t.Fatalf("expiry alarm in %d ms (set %v), want about a minute", d, ok)
			}
			old := dispatch.Now
			dispatch.Now = func() time.Time { return now.Add(2 * time.Minute) }
			defer func() { dispatch.Now = old }()
			if _, err := h.FireAlarm(ws); err != nil {
				t.Fatal(err)
			}
		}, 4401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHost(t)
			exec(h, `INSERT INTO _auth_members (member_id, user_id, email, account, role, joined_at) VALUES ('m1', 'u1', 'a@b.co', 'acct', 'member', '2025-01-01T00:00:00Z')`)
			exec(h, `INSERT INTO _auth_api_keys (id, name, expires_at, created_at) VALUES ('k1', 'key', '2999-01-01T00:00:00Z', '2025-01-01T00:00:00Z')`)
			s, _, err := h.WSOpenAs(ws, gqlws.Subprotocol, "")
			if err != nil {
				t.Fatal(err)
			}
			cl := &client{t: t, h: h, s: s}
			cl.send(`{"type":"connection_init","payload":{"token":"` + issue(c.claims, c.ttl) + `"}}`)
			cl.subscribe("1", `subscription { onDbEvent(input: {}) { seq } }`, "")
			if f := cl.next(); s.Closed || len(f) == 0 || f[0]["type"] != "connection_ack" {
				t.Fatalf("not acknowledged: %v %+v", f, s)
			}
			createCompany(t, h, `{"name":"Before"}`)
			if got := events(t, cl.next(), "1"); len(got) != 1 {
				t.Fatalf("before revocation: %d events, want 1", len(got))
			}
			c.revoke(h, s)
			if !s.Closed || s.CloseCode != c.code {
				t.Fatalf("socket closed=%v code=%d %q, want %d", s.Closed, s.CloseCode, s.CloseReason, c.code)
			}
			createCompany(t, h, `{"name":"After"}`)
			for _, f := range cl.next() {
				if f["type"] == "next" {
					t.Fatalf("delivered after revocation: %v", f)
				}
			}
			if n := subsOf(t, h); n != 0 {
				t.Fatalf("%d subscriptions left indexed", n)
			}
		})
	}
}

func subsOf(t *testing.T, h *native.Host) int {
	db, _ := h.Object(ws)
	rows, err := db.Exec(`SELECT count(*) FROM _ws_subs`)
	if err != nil {
		t.Fatal(err)
	}
	return int(rows.Int())
}

// An unauthenticated upgrade may name any workspace id: an unknown one is
// refused and nothing is created (no tables, no events).
func TestUpgradeCreatesNoWorkspace(t *testing.T) {
	h := newHost(t)
	const unknown = "0b9e4c1e-7e55-4d6a-9d6c-000000000001"
	s, resp, err := h.WSOpenAs(unknown, gqlws.Subprotocol, "")
	if err == nil || resp == nil || resp.Status != 401 {
		t.Fatalf("upgrade on an unknown workspace: %v %+v", err, resp)
	}
	db, _ := h.Object(unknown)
	rows, err := db.Exec(`SELECT count(*) FROM sqlite_master`)
	if err != nil || rows.Int() != 0 {
		t.Fatalf("the upgrade created %d schema objects (%v)", rows.Int(), err)
	}
	if len(s.Timers) != 0 || s.Attachment != "" {
		t.Fatalf("a refused socket got state: %+v", s)
	}
}

// Frames before connection_init are bounded: one more than
// gqlws.MaxPreInitFrames closes the socket with 4429.
func TestPreInitFramesBounded(t *testing.T) {
	h := newHost(t)
	s, _, err := h.WSOpen(ws, gqlws.Subprotocol)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Timers) != 1 || s.Timers[0] < 10_000 {
		t.Fatalf("connection_init timer from Go: %v", s.Timers)
	}
	for i := 0; i <= gqlws.MaxPreInitFrames && !s.Closed; i++ {
		if err := h.WSSend(s, `{"type":"ping","payload":{"n":1}}`); err != nil {
			t.Fatal(err)
		}
	}
	if !s.Closed || s.CloseCode != gqlws.CodeTooManyInitRequests || len(s.Sent) != gqlws.MaxPreInitFrames || !strings.Contains(s.CloseReason, "connection_init") {
		t.Fatalf("closed=%v code=%d %q after %d pongs", s.Closed, s.CloseCode, s.CloseReason, len(s.Sent))
	}
}
