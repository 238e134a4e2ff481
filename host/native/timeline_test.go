package native_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"edgecrm/host/native"
)

// Timeline activities are projected from the consumed stream: created,
// updated with the changed fields, deleted, and a linked note; a
// redelivered event adds nothing.
func TestTimelineFromTheStream(t *testing.T) {
	h := native.MustNew(t)
	_, m := do(t, h, "POST", "/rest/companies", `{"name":"Acme"}`)
	id := m["data"].(map[string]any)["createCompany"].(map[string]any)["id"].(string)
	do(t, h, "PATCH", "/rest/companies/"+id, `{"employees":7}`)
	_, m = do(t, h, "POST", "/rest/notes", `{"title":"Call notes"}`)
	note := m["data"].(map[string]any)["createNote"].(map[string]any)["id"].(string)
	do(t, h, "POST", "/rest/noteTargets", fmt.Sprintf(`{"noteId":%q,"companyId":%q}`, note, id))
	do(t, h, "DELETE", "/rest/companies/"+id, "")
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	db, _ := h.Object(ws)
	read := func() []map[string]any {
		rows, err := db.Exec(`SELECT name, properties, linkedRecordId, linkedRecordCachedName FROM timelineActivity WHERE targetCompanyId = ? ORDER BY happensAt, name`, id)
		if err != nil {
			t.Fatal(err)
		}
		return rows.Maps()
	}
	got := read()
	var names []string
	for _, r := range got {
		names = append(names, r["name"].(string))
	}
	if fmt.Sprint(names) != "[company.created company.updated linked-note.created company.deleted]" {
		t.Fatalf("timeline: %v", got)
	}
	var props map[string]any
	_ = json.Unmarshal([]byte(got[1]["properties"].(string)), &props)
	if fmt.Sprint(props["diff"]) != "map[employees:map[after:7]]" {
		t.Fatalf("update diff: %v", props)
	}
	if got[2]["linkedRecordId"] != note || got[2]["linkedRecordCachedName"] != "Call notes" {
		t.Fatalf("linked note: %v", got[2])
	}
	do(t, h, "POST", "/admin/requeue?seq=12", "")
	if err := h.DrainQueue(100, 10); err != nil {
		t.Fatal(err)
	}
	if n := len(read()); n != 4 {
		t.Fatalf("%d activities after a redelivery, want 4", n)
	}
	if _, v := do(t, h, "GET", "/admin/verify", ""); v["equal"] != true {
		t.Fatalf("D1 differs: %v", v)
	}
}
