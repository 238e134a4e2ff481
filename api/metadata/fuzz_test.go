package metadata_test

import (
	"encoding/json"
	"testing"

	"edgecrm/host"
	"edgecrm/host/native"
)

// FuzzMetadataNames creates objects and fields with arbitrary names and
// labels through /metadata (the cost model, the executor, the domain's
// name rules): no input may panic or be answered with a 500; a refused
// name is a 4xx.
func FuzzMetadataNames(f *testing.F) {
	for _, seed := range [][4]string{
		{"gadget", "gadgets", "Gadget", "Gadgets"},
		{"company", "companies", "Company", "Companies"},
		{"", "", "", ""},
		{"a b", "select", "'; DROP TABLE x; --", "\u0000"},
		{"ünïcode", "ñames", "😀", "x"},
		{"position", "id", "createdAt", "deletedAt"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	h := native.MustNew(f)
	f.Fuzz(func(t *testing.T, singular, plural, label, field string) {
		objectID := ""
		post := func(query string, vars map[string]any) int {
			body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
			resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: "/metadata", Body: string(body), Headers: map[string]string{"content-type": "application/json"}})
			if err != nil {
				t.Fatalf("%v: %v", vars, err)
			}
			if resp.Status >= 500 {
				t.Fatalf("%v: %d %.300s", vars, resp.Status, resp.Body)
			}
			var m struct {
				Data map[string]map[string]any
			}
			json.Unmarshal([]byte(resp.Body), &m)
			if id, _ := m.Data["createOneObject"]["id"].(string); id != "" {
				objectID = id
			}
			return resp.Status
		}
		post(`mutation($o: CreateObjectInput!) { createOneObject(input: {object: $o}) { id nameSingular } }`,
			map[string]any{"o": map[string]any{"nameSingular": singular, "namePlural": plural, "labelSingular": label, "labelPlural": label}})
		if objectID == "" {
			return
		}
		post(`mutation($f: CreateFieldInput!) { createOneField(input: {field: $f}) { id name } }`,
			map[string]any{"f": map[string]any{"objectMetadataId": objectID, "type": "TEXT", "name": field, "label": label}})
		post(`mutation($id: UUID!) { deleteOneObject(input: {id: $id}) { id } }`, map[string]any{"id": objectID})
	})
}
