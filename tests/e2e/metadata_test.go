package e2e

import (
	"fmt"
	"testing"
)

// metadata posts a /metadata operation that must succeed.
func metadata(t *testing.T, ws, query string, vars map[string]any) map[string]any {
	t.Helper()
	status, m := call(t, srv.URL, "POST", "/metadata", ws, map[string]any{"query": query, "variables": vars})
	if status != 200 || m["errors"] != nil {
		t.Fatalf("metadata: %d %v", status, m)
	}
	return m["data"].(map[string]any)
}

// Custom objects and fields on workerd: the DDL (ADD/RENAME/DROP COLUMN,
// indexes, DROP TABLE) runs in DO SQLite and in D1, and both stay equal.
func TestCustomObjectOnWorkerd(t *testing.T) {
	ws := "metadata"
	data := metadata(t, ws, `{ objects(filter: {isCustom: {is: false}}) { edges { node { id nameSingular } } } }`, nil)
	var companyID string
	for _, e := range data["objects"].(map[string]any)["edges"].([]any) {
		if n := e.(map[string]any)["node"].(map[string]any); n["nameSingular"] == "company" {
			companyID = n["id"].(string)
		}
	}
	data = metadata(t, ws, `mutation($input: CreateOneObjectInput!) { createOneObject(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"object": map[string]any{
			"nameSingular": "house", "namePlural": "houses", "labelSingular": "House", "labelPlural": "Houses"}}})
	houseID := data["createOneObject"].(map[string]any)["id"].(string)

	status, m := call(t, srv.URL, "POST", "/rest/companies", ws, `{"name":"Acme"}`)
	if status != 201 {
		t.Fatalf("company: %d %v", status, m)
	}
	cid := created(t, m, "createCompany")["id"].(string)
	status, m = call(t, srv.URL, "POST", "/rest/houses", ws, `{"name":"Early"}`)
	if status != 201 {
		t.Fatalf("house before fields: %d %v", status, m)
	}
	early := created(t, m, "createHouse")["id"].(string)

	ids := map[string]string{}
	for _, f := range []map[string]any{
		{"name": "floors", "label": "Floors", "type": "NUMBER", "defaultValue": 2},
		{"name": "style", "label": "Style", "type": "SELECT", "defaultValue": "'MODERN'",
			"options": []any{map[string]any{"value": "MODERN", "label": "Modern"}, map[string]any{"value": "CLASSIC", "label": "Classic"}}},
		{"name": "owner", "label": "Owner", "type": "RELATION", "relationCreationPayload": map[string]any{
			"targetObjectMetadataId": companyID, "targetFieldLabel": "Houses", "type": "MANY_TO_ONE"}},
	} {
		f["objectMetadataId"] = houseID
		data = metadata(t, ws, `mutation($input: CreateOneFieldMetadataInput!) { createOneField(input: $input) { id name } }`,
			map[string]any{"input": map[string]any{"field": f}})
		ids[f["name"].(string)] = data["createOneField"].(map[string]any)["id"].(string)
	}
	status, m = call(t, srv.URL, "POST", "/rest/houses", ws, fmt.Sprintf(`{"name":"Villa","style":"CLASSIC","ownerId":%q}`, cid))
	if status != 201 {
		t.Fatalf("house: %d %v", status, m)
	}
	status, m = call(t, srv.URL, "GET", "/rest/houses/"+early, ws, nil)
	if rec := m["data"].(map[string]any)["house"].(map[string]any); status != 200 || rec["floors"] != float64(2) || rec["style"] != "MODERN" {
		t.Fatalf("defaults not backfilled: %d %v", status, rec)
	}
	verifyEventually(t, ws)

	metadata(t, ws, `mutation($id: UUID!) { updateOneField(input: {id: $id, update: {name: "levels"}}) { name } }`, map[string]any{"id": ids["floors"]})
	metadata(t, ws, `mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id } }`, map[string]any{"id": ids["style"]})
	metadata(t, ws, `mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id } }`, map[string]any{"id": ids["owner"]})
	status, m = call(t, srv.URL, "GET", "/rest/houses/"+early, ws, nil)
	if rec := m["data"].(map[string]any)["house"].(map[string]any); status != 200 || rec["levels"] != float64(2) || rec["style"] != nil {
		t.Fatalf("after rename and deletes: %d %v", status, rec)
	}
	verifyEventually(t, ws)

	if status, r := admin(t, srv.URL, "POST", ws, "/replay"); status != 200 {
		t.Fatalf("replay: %d %v", status, r)
	}
	verifyEventually(t, ws)

	metadata(t, ws, `mutation($id: UUID!) { deleteOneObject(input: {id: $id}) { id } }`, map[string]any{"id": houseID})
	if status, _ = call(t, srv.URL, "GET", "/rest/houses", ws, nil); status != 400 {
		t.Fatalf("houses after delete: %d", status)
	}
	verifyEventually(t, ws)
}
