package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// A company created, updated (twice) and linked to a note shows three activities
// in Twenty's shape on its timeline (GraphQL timelineActivities filtered
// by targetCompanyId); the timeline appends no event, and D1 equals the
// inline tables after the flush.
func TestTimelineOnWorkerd(t *testing.T) {
	ws := "timeline"
	status, m := call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"Acme","employees":3}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, m)
	}
	id := created(t, m, "createCompany")["id"].(string)
	// Two updates by the same member within 10 minutes: one activity, as
	// in Twenty.
	for _, patch := range []string{`{"employees":7}`, `{"name":"Acme Inc"}`} {
		if status, m = call(t, srv.URL, "PATCH", "/rest/companies/"+id, ws, patch); status != 200 {
			t.Fatalf("update: %d %v", status, m)
		}
	}
	_, m = call(t, srv.URL, "POST", "/rest/notes", ws, `{"title":"Call notes"}`)
	note := created(t, m, "createNote")["id"].(string)
	if status, m = call(t, srv.URL, "POST", "/rest/noteTargets", ws, fmt.Sprintf(`{"noteId":%q,"companyId":%q}`, note, id)); status != 201 {
		t.Fatalf("link: %d %v", status, m)
	}
	events := head(t, srv.URL, ws)

	status, m = call(t, srv.URL, "POST", "/graphql", ws, map[string]any{
		"query": `query($id: UUID!) { timelineActivities(filter: {targetCompanyId: {eq: $id}}, orderBy: [{happensAt: AscNullsFirst}]) {
			totalCount edges { node { id name happensAt properties workspaceMemberId targetCompanyId
			linkedRecordId linkedRecordCachedName linkedObjectMetadataId } } } }`,
		"variables": map[string]any{"id": id}})
	if status != 200 || m["errors"] != nil {
		t.Fatalf("timeline: %d %v", status, m)
	}
	conn := m["data"].(map[string]any)["timelineActivities"].(map[string]any)
	var acts []map[string]any
	for _, e := range conn["edges"].([]any) {
		acts = append(acts, e.(map[string]any)["node"].(map[string]any))
	}
	var names []string
	for _, a := range acts {
		names = append(names, a["name"].(string))
		if a["targetCompanyId"] != id || a["happensAt"] == nil {
			t.Fatalf("activity %v", a)
		}
	}
	if want := []string{"company.created", "company.updated", "linked-note.created"}; conn["totalCount"] != float64(3) || !reflect.DeepEqual(names, want) {
		t.Fatalf("timeline %v (%v), want %v", names, conn["totalCount"], want)
	}
	var diff struct {
		Diff map[string]struct{ Before, After any } `json:"diff"`
	}
	raw, _ := json.Marshal(acts[1]["properties"])
	if err := json.Unmarshal(raw, &diff); err != nil || diff.Diff["employees"].Before != float64(3) || diff.Diff["employees"].After != float64(7) ||
		diff.Diff["name"].Before != "Acme" || diff.Diff["name"].After != "Acme Inc" {
		t.Fatalf("update properties %s (%v)", raw, err)
	}
	if l := acts[2]; l["linkedRecordId"] != note || l["linkedRecordCachedName"] != "Call notes" || l["linkedObjectMetadataId"] == nil {
		t.Fatalf("linked note: %v", l)
	}

	// The timeline is a projection: no event was appended for it, and D1
	// holds the same rows once flushed.
	if head(t, srv.URL, ws) != events {
		t.Fatal("reading the timeline appended events")
	}
	verifyEventually(t, ws)
}
