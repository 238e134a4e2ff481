package native_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"edgecrm/host/dispatch"
	"edgecrm/host/native"
	"edgecrm/projections"
)

// timeline reads record id's timeline through GraphQL, oldest first.
func timeline(t *testing.T, h *native.Host, col, id string) []map[string]any {
	t.Helper()
	d := gql(t, h, ws, "/graphql", fmt.Sprintf(`query($id: UUID!) { timelineActivities(filter: {%s: {eq: $id}}, orderBy: [{happensAt: AscNullsFirst}, {name: AscNullsFirst}]) {
		edges { node { id name happensAt properties workspaceMemberId linkedRecordId linkedRecordCachedName linkedObjectMetadataId %s } } } }`, col, col),
		map[string]any{"id": id})
	var out []map[string]any
	for _, e := range d["timelineActivities"].(map[string]any)["edges"].([]any) {
		out = append(out, e.(map[string]any)["node"].(map[string]any))
	}
	return out
}

func names(acts []map[string]any) []string {
	var out []string
	for _, a := range acts {
		out = append(out, a["name"].(string))
	}
	return out
}

// The timeline is a projection of the record events: created, updated
// with the diff (before read from the row), linked note, deleted,
// restored; no event is appended for it, D1 holds the same rows and a
// replay rebuilds them identically; destroying the company cascades to its
// activities without events.
func TestTimelineIsAProjection(t *testing.T) {
	// Each command a second apart: activities of the same millisecond
	// would order by name, not by what happened first.
	clock := time.Now()
	old := dispatch.Now
	dispatch.Now = func() time.Time { return clock }
	t.Cleanup(func() { dispatch.Now = old })
	h := native.MustNew(t)
	step := func(method, path, body string) map[string]any {
		clock = clock.Add(time.Second)
		_, m := do(t, h, method, path, body)
		return m
	}
	id := record(step("POST", "/rest/companies", `{"name":"Acme","employees":3}`), "createCompany")["id"].(string)
	step("PATCH", "/rest/companies/"+id, `{"employees":7,"domainName":{"primaryLinkUrl":"https://acme.com"}}`)
	note := record(step("POST", "/rest/notes", `{"title":"Call notes"}`), "createNote")["id"].(string)
	step("POST", "/rest/noteTargets", fmt.Sprintf(`{"noteId":%q,"companyId":%q}`, note, id))
	step("DELETE", "/rest/companies/"+id, "")
	eventsBefore := head(t, h)

	got := timeline(t, h, "targetCompanyId", id)
	want := []string{"company.created", "company.updated", "linked-note.created", "company.deleted"}
	if !reflect.DeepEqual(names(got), want) {
		t.Fatalf("timeline %v, want %v", names(got), want)
	}
	var props []map[string]any
	for _, a := range got {
		var p map[string]any
		if err := json.Unmarshal(jsonBytes(t, a["properties"]), &p); err != nil {
			t.Fatal(err)
		}
		props = append(props, p)
	}
	if len(props[0]) != 0 {
		t.Fatalf("created: %v", props[0])
	}
	diff := props[1]["diff"].(map[string]any)
	if fmt.Sprint(diff["employees"]) != "map[after:7 before:3]" {
		t.Fatalf("employees diff: %v", diff["employees"])
	}
	dn := diff["domainName"].(map[string]any)
	if dn["after"].(map[string]any)["primaryLinkUrl"] != "https://acme.com" || dn["before"].(map[string]any)["primaryLinkUrl"] != nil {
		t.Fatalf("domainName diff: %v", dn)
	}
	if l := got[2]; l["linkedRecordId"] != note || l["linkedRecordCachedName"] != "Call notes" || l["linkedObjectMetadataId"] == nil {
		t.Fatalf("linked note: %v", l)
	}
	if got[0]["happensAt"] == nil || len(props[3]) != 0 {
		t.Fatalf("deleted: %v", got[3])
	}
	// The note has its own timeline too.
	if n := names(timeline(t, h, "targetNoteId", note)); !reflect.DeepEqual(n, []string{"note.created"}) {
		t.Fatalf("note timeline %v", n)
	}

	// D1 equals the inline tables, and a replay rebuilds the same rows.
	if _, v := do(t, h, "GET", "/admin/verify", ""); v["equal"] != true {
		t.Fatalf("verify: %v", v)
	}
	obj, _ := h.Object(ws)
	dump := func() any {
		a, err := native.Dump(obj, "timelineActivity")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := native.Dump(h.D1, projections.D1Prefix(ws)+"timelineActivity")
		return []any{a, b}
	}
	before := dump()
	if status, r := do(t, h, "POST", "/admin/replay", ""); status != 200 {
		t.Fatalf("replay: %d %v", status, r)
	}
	if after := dump(); !reflect.DeepEqual(before, after) {
		t.Fatalf("replay changed the timeline:\n%v\n%v", before, after)
	}
	if _, v := do(t, h, "GET", "/admin/verify", ""); v["equal"] != true {
		t.Fatalf("verify after replay: %v", v)
	}
	if head(t, h) != eventsBefore {
		t.Fatal("the timeline appended events")
	}

	// Restore, then destroy: the company's activities go with it (CASCADE)
	// and the destroy appends no timelineActivity event.
	step("PATCH", "/rest/companies/"+id+"/restore", "")
	if n := names(timeline(t, h, "targetCompanyId", id)); len(n) != 5 || n[4] != "company.restored" {
		t.Fatalf("after restore: %v", n)
	}
	at := head(t, h)
	if status, r := do(t, h, "DELETE", "/rest/companies/"+id+"?soft_delete=false", ""); status != 200 {
		t.Fatalf("destroy: %d %v", status, r)
	}
	_, evs := do(t, h, "GET", fmt.Sprintf("/admin/events?after=%d", int(at)), "")
	for _, e := range evs["events"].([]any) {
		if typ := e.(map[string]any)["type"].(string); typ == "timelineActivity.destroyed" || typ == "timelineActivity.updated" {
			t.Fatalf("destroy appended %s", typ)
		}
	}
	if n := timeline(t, h, "targetCompanyId", id); len(n) != 0 {
		t.Fatalf("activities outlived their company: %v", names(n))
	}
	if _, v := do(t, h, "GET", "/admin/verify", ""); v["equal"] != true {
		t.Fatalf("verify after destroy: %v", v)
	}
}

// A batch create projects its activities in bulk, the same rows as one
// create at a time would.
func TestTimelineOfABatchCreate(t *testing.T) {
	h := native.MustNew(t)
	status, m := do(t, h, "POST", "/rest/batch/companies", `[{"name":"A"},{"name":"B"},{"name":"C"}]`)
	if status != 201 {
		t.Fatalf("batch: %d %v", status, m)
	}
	for _, c := range m["data"].(map[string]any)["createCompanies"].([]any) {
		id := c.(map[string]any)["id"].(string)
		if n := names(timeline(t, h, "targetCompanyId", id)); !reflect.DeepEqual(n, []string{"company.created"}) {
			t.Fatalf("company %s: %v", id, n)
		}
	}
	if _, v := do(t, h, "GET", "/admin/verify", ""); v["equal"] != true {
		t.Fatalf("verify: %v", v)
	}
}

func jsonBytes(t *testing.T, v any) []byte {
	t.Helper()
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A custom object gets a timeline too (its target<Name> relation), read
// here through REST.
func TestTimelineOfACustomObject(t *testing.T) {
	h := native.MustNew(t)
	createObject(t, h, ws, "house", "houses")
	_, m := do(t, h, "POST", "/rest/houses", `{"name":"Villa"}`)
	id := record(m, "createHouse")["id"].(string)
	do(t, h, "PATCH", "/rest/houses/"+id, `{"name":"Villa Rosa"}`)
	status, m := do(t, h, "GET", "/rest/timelineActivities?order_by=happensAt&filter=targetHouseId[eq]:"+id, "")
	if status != 200 {
		t.Fatalf("list: %d %v", status, m)
	}
	var got []string
	for _, a := range m["data"].(map[string]any)["timelineActivities"].([]any) {
		a := a.(map[string]any)
		got = append(got, a["name"].(string))
		if a["name"] == "house.updated" && fmt.Sprint(a["properties"]) != "map[diff:map[name:map[after:Villa Rosa before:Villa]]]" {
			t.Fatalf("update properties %v", a["properties"])
		}
	}
	slices.Sort(got) // both can share a millisecond: happensAt ties are in no set order
	if !reflect.DeepEqual(got, []string{"house.created", "house.updated"}) {
		t.Fatalf("house timeline %v", got)
	}
}
