package metadata_test

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"edgecrm/host/native"
)

// The objects answer is kept per schema: asked again it is the same and
// reads less, a metadata change gets a fresh one, a refused change leaves
// it, and another workspace gets its own.
func TestObjectsAnswerFollowsTheSchema(t *testing.T) {
	c := newClient(t)
	body, _ := json.Marshal(map[string]any{"query": objectsQuery})
	statements := regexp.MustCompile(`desc="(\d+) statements"`)
	ask := func(ws string) (string, int) {
		t.Helper()
		resp, err := c.h.Fetch(ws, native.Request("POST", "/metadata", string(body), "content-type", "application/json"))
		if err != nil || resp.Status != 200 || strings.Contains(resp.Body, `"errors"`) {
			t.Fatalf("objects: %v %d %s", err, resp.Status, resp.Body[:min(len(resp.Body), 300)])
		}
		n, _ := strconv.Atoi(statements.FindStringSubmatch(resp.Headers["server-timing"])[1])
		return resp.Body, n
	}
	first, fresh := ask(ws)
	second, kept := ask(ws)
	if first != second || kept >= fresh {
		t.Fatalf("asked again: same answer %v, %d statements after %d", first == second, kept, fresh)
	}
	var data struct{ Data map[string]any }
	json.Unmarshal([]byte(first), &data)
	company, _ := objectByName(data.Data, "company")
	field := map[string]any{"input": map[string]any{"field": map[string]any{
		"objectMetadataId": company["id"], "name": "hullColor", "label": "Hull color", "type": "TEXT"}}}
	c.meta(createField, field)
	third, _ := ask(ws)
	if third == first || !strings.Contains(third, `"hullColor"`) {
		t.Fatal("the answer after a new field does not show it")
	}
	if status, m := c.gql("/metadata", createField, field); status == 200 && m["errors"] == nil {
		t.Fatalf("a second hullColor was accepted: %v", m)
	}
	if again, _ := ask(ws); again != third {
		t.Fatal("a refused change changed the answer")
	}
	if other, _ := ask("globex"); strings.Contains(other, `"hullColor"`) {
		t.Fatal("another workspace got acme's answer")
	}
}
