package realtime_test

import (
	"encoding/json"
	"testing"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/realtime/gqlws"
	"edgecrm/host/native"
)

// A socket whose member has a custom role hears, on the workspace-wide
// stream, only of the objects the role may read, without the fields it
// may not read; an unrestricted socket on the same stream hears it all.
func TestSubscriptionFollowsTheRole(t *testing.T) {
	if err := auth.Configure(map[string]string{auth.EnvPrivateKey: string(native.TestKeyPEM())}); err != nil {
		t.Fatal(err)
	}
	defer auth.Configure(map[string]string{})
	h := newHost(t)
	db, _ := h.Object(ws)
	w, err := durable.Open(ws, db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	company, opp := w.Schema().Object("company"), w.Schema().Object("opportunity")
	no := false
	role := domain.Role{ID: "11111111-1111-4111-8111-111111111111", Label: "Sales", CanReadAll: true,
		Objects: []domain.ObjectPermission{{ObjectMetadataID: opp.ID}},
		Fields:  []domain.FieldPermission{{ID: "f1", ObjectMetadataID: company.ID, FieldMetadataID: company.Field("employees").ID, CanRead: &no}}}
	body, _ := json.Marshal(role)
	for _, q := range []string{`INSERT INTO _auth_roles (id, body) VALUES ('` + role.ID + `', '` + string(body) + `')`,
		`INSERT INTO _auth_members (member_id, user_id, email, account, role, joined_at) VALUES ('m1', 'u1', 'a@b.co', 'acct', '` + role.ID + `', '2025-01-01T00:00:00Z')`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	is, err := auth.Current().Keys.Issue(auth.Claims{Type: auth.TokenAccess, UserID: "u1", WorkspaceMemberID: "m1", FamilyID: "fam1", WorkspaceID: ws}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := h.WSOpenAs(ws, gqlws.Subprotocol, "")
	if err != nil {
		t.Fatal(err)
	}
	rep := &client{t: t, h: h, s: s}
	rep.send(`{"type":"connection_init","payload":{"token":"` + is.Token + `"}}`)
	admin := connect(t, h, `{}`)
	const q = `subscription { onDbEvent(input: {}) { objectNameSingular updatedFields record } }`
	rep.subscribe("1", q, "")
	admin.subscribe("1", q, "")
	rep.subscribe("2", `subscription { onDbEvent(input: {objectNameSingular: "opportunity"}) { recordId } }`, "")
	// A filter on a field the role may not read would leak its values.
	rep.subscribe("3", `subscription { onDbEvent(input: {objectNameSingular: "company", filter: {employees: {gt: 7}}}) { recordId } }`, "")
	f := rep.next()
	if len(f) != 3 || f[0]["type"] != "connection_ack" {
		t.Fatalf("the role's subscriptions: %v", f)
	}
	for _, fr := range f[1:] {
		if fr["type"] != "error" || dig(fr, "payload").([]any)[0].(map[string]any)["extensions"].(map[string]any)["subCode"] != "PERMISSION_DENIED" {
			t.Fatalf("the role's subscription to opportunities or by employees: %v", f)
		}
	}
	admin.next()

	id := createCompany(t, h, `{"name":"Acme","employees":7}`)
	if st, m := rest(t, h, "POST", "/rest/opportunities", `{"name":"Deal"}`); st != 201 {
		t.Fatalf("create opportunity: %d %v", st, m)
	}
	if st, m := rest(t, h, "PATCH", "/rest/companies/"+id, `{"employees":8,"name":"Acme Inc"}`); st != 200 {
		t.Fatalf("update company: %d %v", st, m)
	}
	got := events(t, rep.next(), "1")
	if len(got) != 2 || got[0]["objectNameSingular"] != "company" || got[1]["objectNameSingular"] != "company" {
		t.Fatalf("the role's stream: %v", got)
	}
	for _, ev := range got {
		rec := ev["record"].(map[string]any)
		if _, ok := rec["employees"]; ok || rec["name"] == nil {
			t.Fatalf("the role's record: %v", rec)
		}
	}
	if u := got[1]["updatedFields"].([]any); len(u) != 1 || u[0] != "name" {
		t.Fatalf("the role's updatedFields: %v", u)
	}
	all := events(t, admin.next(), "1")
	if len(all) != 3 || all[1]["objectNameSingular"] != "opportunity" || all[2]["record"].(map[string]any)["employees"] != float64(8) {
		t.Fatalf("the unrestricted stream: %v", all)
	}

	// Moved to another role, the member's socket closes with 4403 (clients
	// retry it and subscribe under the new role); the others stay open.
	if _, err := db.Exec(`UPDATE _auth_members SET role = 'member' WHERE member_id = 'm1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := h.FireAlarm(ws); err != nil { // the re-check an access change runs
		t.Fatal(err)
	}
	if !rep.s.Closed || rep.s.CloseCode != 4403 || admin.s.Closed {
		t.Fatalf("after the role change: rep closed=%v code=%d, admin closed=%v", rep.s.Closed, rep.s.CloseCode, admin.s.Closed)
	}
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}
