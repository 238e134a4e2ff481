package metadata_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"edgecrm/host"
	"edgecrm/host/native"
	"edgecrm/projections"
)

const ws = "acme"

type client struct {
	t *testing.T
	h *native.Host
}

func newClient(t *testing.T) *client {
	t.Helper()
	h := native.MustNew(t)
	return &client{t: t, h: h}
}

func (c *client) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	req := native.Request(method, path, body, "content-type", "application/json")
	resp, err := c.h.Fetch(ws, req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		c.t.Fatalf("%s %s: body %q: %v", method, path, resp.Body, err)
	}
	return resp.Status, m
}

// gql posts a GraphQL request to path (/metadata or /graphql).
func (c *client) gql(path, query string, vars map[string]any) (int, map[string]any) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return c.do("POST", path, string(body))
}

// meta runs a metadata operation that must succeed and returns its data.
func (c *client) meta(query string, vars map[string]any) map[string]any {
	c.t.Helper()
	status, m := c.gql("/metadata", query, vars)
	if status != 200 || m["errors"] != nil {
		c.t.Fatalf("metadata %s: %d %v", firstLine(query), status, m)
	}
	return m["data"].(map[string]any)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i > 0 {
		return s[:i]
	}
	return s
}

func (c *client) head() float64 {
	c.t.Helper()
	_, st := c.do("GET", "/admin/state", "")
	return st["head"].(float64)
}

func (c *client) verify() {
	c.t.Helper()
	status, v := c.do("GET", "/admin/verify", "")
	if status != 200 || v["equal"] != true {
		c.t.Fatalf("verify: %d %v", status, v)
	}
}

// dump returns the inline and D1 rows and columns of tables.
func (c *client) dump(tables ...string) any {
	c.t.Helper()
	obj, _ := c.h.Object(ws)
	var out []any
	for _, tb := range tables {
		for _, name := range []string{tb, projections.D1Prefix(ws) + tb} {
			db := c.h.D1
			if name == tb {
				db = nil
			}
			if db == nil {
				rows, err := native.Dump(obj, name)
				if err != nil {
					c.t.Fatal(err)
				}
				cols, _ := obj.Exec(fmt.Sprintf("SELECT name, type FROM pragma_table_info('%s') ORDER BY cid", name))
				out = append(out, rows, cols.Values)
			} else {
				rows, err := native.Dump(db, name)
				if err != nil {
					c.t.Fatal(err)
				}
				cols, _ := db.Exec(fmt.Sprintf("SELECT name, type FROM pragma_table_info('%s') ORDER BY cid", name))
				out = append(out, rows, cols.Values)
			}
		}
	}
	return out
}

const objectsQuery = `query ObjectMetadataItems($filter: ObjectFilter) {
  objects(paging: {first: 1000}, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id nameSingular namePlural labelSingular labelPlural isCustom isActive isSystem
      labelIdentifierFieldMetadataId
      fields(paging: {first: 1000}) { edges { node { id name label type isCustom isActive isNullable options defaultValue settings
        relation { type sourceObjectMetadata { nameSingular } targetObjectMetadata { id nameSingular } targetFieldMetadata { id name } } } } } } }
  }
}`

// objectByName finds an object (and its fields by name) in an objects result.
func objectByName(data map[string]any, name string) (map[string]any, map[string]map[string]any) {
	for _, e := range data["objects"].(map[string]any)["edges"].([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		if n["nameSingular"] == name {
			fields := map[string]map[string]any{}
			for _, fe := range n["fields"].(map[string]any)["edges"].([]any) {
				f := fe.(map[string]any)["node"].(map[string]any)
				fields[f["name"].(string)] = f
			}
			return n, fields
		}
	}
	return nil, nil
}

const createObject = `mutation CreateOneObjectMetadataItem($input: CreateOneObjectInput!) {
  createOneObject(input: $input) { id nameSingular namePlural labelSingular isCustom isActive createdAt }
}`

const createField = `mutation CreateOneFieldMetadataItem($input: CreateOneFieldMetadataInput!) {
  createOneField(input: $input) { id name label type isCustom isNullable defaultValue options
    relation { type targetObjectMetadata { nameSingular } targetFieldMetadata { name } } }
}`

func TestCustomObjectLifecycle(t *testing.T) {
	c := newClient(t)
	data := c.meta(objectsQuery, nil)
	company, companyFields := objectByName(data, "company")
	if company == nil || companyFields["name"] == nil || company["isCustom"] != false {
		t.Fatalf("company in objects: %v", company)
	}
	if n := data["objects"].(map[string]any)["totalCount"].(float64); n != 16 {
		t.Fatalf("%v standard objects, want 16", n)
	}
	companyID := company["id"].(string)

	// Create the object.
	data = c.meta(createObject, map[string]any{"input": map[string]any{"object": map[string]any{
		"nameSingular": "house", "namePlural": "houses", "labelSingular": "House", "labelPlural": "Houses", "icon": "IconHome"}}})
	house := data["createOneObject"].(map[string]any)
	houseID := house["id"].(string)
	if house["nameSingular"] != "house" || house["isCustom"] != true || house["isActive"] != true {
		t.Fatalf("created object: %v", house)
	}

	// Fields of several types, and a relation to company.
	fields := []map[string]any{
		{"name": "floors", "label": "Floors", "type": "NUMBER", "defaultValue": 1},
		{"name": "style", "label": "Style", "type": "SELECT", "defaultValue": "'MODERN'",
			"options": []any{map[string]any{"value": "MODERN", "label": "Modern", "color": "blue", "position": 0},
				map[string]any{"value": "CLASSIC", "label": "Classic", "color": "red", "position": 1}}},
		{"name": "price", "label": "Price", "type": "CURRENCY"},
		{"name": "isFeatured", "label": "Featured", "type": "BOOLEAN", "defaultValue": false},
		{"name": "builtAt", "label": "Built", "type": "DATE_TIME"},
		{"name": "address", "label": "Address", "type": "ADDRESS"},
		{"name": "owner", "label": "Owner", "type": "RELATION", "relationCreationPayload": map[string]any{
			"targetObjectMetadataId": companyID, "targetFieldLabel": "Houses", "targetFieldIcon": "IconHome", "type": "MANY_TO_ONE"}},
	}
	fieldIDs := map[string]string{}
	for _, f := range fields {
		f["objectMetadataId"] = houseID
		data = c.meta(createField, map[string]any{"input": map[string]any{"field": f}})
		got := data["createOneField"].(map[string]any)
		if got["name"] != f["name"] || got["type"] != f["type"] || got["isCustom"] != true {
			t.Fatalf("created field %v: %v", f["name"], got)
		}
		fieldIDs[f["name"].(string)] = got["id"].(string)
	}
	if d := c.meta(`query($id: UUID!) { field(id: $id) { defaultValue options } }`, map[string]any{"id": fieldIDs["style"]})["field"].(map[string]any); d["defaultValue"] != "'MODERN'" || len(d["options"].([]any)) != 2 {
		t.Fatalf("style field: %v", d)
	}

	// Both sides of the relation.
	data = c.meta(objectsQuery, nil)
	_, hf := objectByName(data, "house")
	_, cf := objectByName(data, "company")
	owner, houses := hf["owner"], cf["houses"]
	if owner == nil || houses == nil {
		t.Fatalf("relation sides: %v / %v", owner, houses)
	}
	rel := owner["relation"].(map[string]any)
	if rel["type"] != "MANY_TO_ONE" || rel["targetObjectMetadata"].(map[string]any)["nameSingular"] != "company" ||
		rel["targetFieldMetadata"].(map[string]any)["name"] != "houses" {
		t.Fatalf("owner.relation: %v", rel)
	}
	if s := owner["settings"].(map[string]any); s["joinColumnName"] != "ownerId" {
		t.Fatalf("owner.settings: %v", s)
	}
	if r := houses["relation"].(map[string]any); r["type"] != "ONE_TO_MANY" || r["targetFieldMetadata"].(map[string]any)["name"] != "owner" {
		t.Fatalf("houses.relation: %v", r)
	}
	if _, ntf := objectByName(data, "noteTarget"); ntf["house"] == nil {
		t.Fatal("noteTarget.house was not created with the object")
	}

	// Records through REST, right away.
	status, m := c.do("POST", "/rest/companies", `{"name":"Acme"}`)
	if status != 201 {
		t.Fatalf("company: %d %v", status, m)
	}
	cid := m["data"].(map[string]any)["createCompany"].(map[string]any)["id"].(string)
	status, m = c.do("POST", "/rest/houses", fmt.Sprintf(`{"name":"Villa","floors":3,"price":{"amountMicros":250000000000,"currencyCode":"EUR"},
		"builtAt":"2001-02-03T04:05:06Z","address":{"addressCity":"Lyon"},"ownerId":%q}`, cid))
	if status != 201 {
		t.Fatalf("create house: %d %v", status, m)
	}
	hid := m["data"].(map[string]any)["createHouse"].(map[string]any)["id"].(string)
	status, m = c.do("GET", "/rest/houses/"+hid, "")
	rec, _ := m["data"].(map[string]any)["house"].(map[string]any)
	if status != 200 || rec["name"] != "Villa" || rec["floors"] != float64(3) || rec["style"] != "MODERN" || rec["isFeatured"] != false ||
		rec["ownerId"] != cid || rec["price"].(map[string]any)["currencyCode"] != "EUR" || rec["address"].(map[string]any)["addressCity"] != "Lyon" {
		t.Fatalf("read house: %d %v", status, rec)
	}
	if status, m = c.do("POST", "/rest/houses", `{"style":"GOTHIC"}`); status != 400 {
		t.Fatalf("bad option accepted: %d %v", status, m)
	}

	// The workspace GraphQL API sees the new object at once.
	status, m = c.gql("/graphql", `{ houses { edges { node { id name floors style owner { name } } } } }`, nil)
	if status != 200 || m["errors"] != nil {
		t.Errorf("/graphql houses: %d %v", status, m)
	} else if edges := m["data"].(map[string]any)["houses"].(map[string]any)["edges"].([]any); len(edges) != 1 {
		t.Errorf("/graphql houses: %v", m)
	}

	// A field added later is usable.
	data = c.meta(createField, map[string]any{"input": map[string]any{"field": map[string]any{
		"objectMetadataId": houseID, "name": "rooms", "label": "Rooms", "type": "NUMBER"}}})
	roomsID := data["createOneField"].(map[string]any)["id"].(string)
	if status, m = c.do("PATCH", "/rest/houses/"+hid, `{"rooms":5}`); status != 200 ||
		m["data"].(map[string]any)["updateHouse"].(map[string]any)["rooms"] != float64(5) {
		t.Fatalf("use a new field: %d %v", status, m)
	}

	// Update a field and an object.
	data = c.meta(`mutation($id: UUID!, $u: UpdateFieldInput!) { updateOneField(input: {id: $id, update: $u}) { name label } }`,
		map[string]any{"id": roomsID, "u": map[string]any{"name": "bedrooms", "label": "Bedrooms"}})
	if f := data["updateOneField"].(map[string]any); f["name"] != "bedrooms" || f["label"] != "Bedrooms" {
		t.Fatalf("updateOneField: %v", f)
	}
	if _, m = c.do("GET", "/rest/houses/"+hid, ""); m["data"].(map[string]any)["house"].(map[string]any)["bedrooms"] != float64(5) {
		t.Fatalf("renamed field lost its data: %v", m)
	}
	data = c.meta(`mutation($id: UUID!) { updateOneObject(input: {id: $id, update: {labelPlural: "Homes", icon: "IconBuildingCottage"}}) { labelPlural } }`,
		map[string]any{"id": houseID})
	if data["updateOneObject"].(map[string]any)["labelPlural"] != "Homes" {
		t.Fatalf("updateOneObject: %v", data)
	}

	// Delete a field.
	data = c.meta(`mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id name } }`, map[string]any{"id": fieldIDs["style"]})
	if data["deleteOneField"].(map[string]any)["name"] != "style" {
		t.Fatalf("deleteOneField: %v", data)
	}
	if _, m = c.do("GET", "/rest/houses/"+hid, ""); m["data"].(map[string]any)["house"].(map[string]any)["style"] != nil {
		t.Fatalf("deleted field still read: %v", m)
	}
	if status, _ = c.do("PATCH", "/rest/houses/"+hid, `{"style":"MODERN"}`); status != 400 {
		t.Fatalf("write to a deleted field: %d", status)
	}

	c.verify()
	before := c.dump("house", "company", "noteTarget")
	for i := 0; i < 2; i++ {
		if status, r := c.do("POST", "/admin/replay", ""); status != 200 {
			t.Fatalf("replay: %d %v", status, r)
		}
		if after := c.dump("house", "company", "noteTarget"); !reflect.DeepEqual(before, after) {
			t.Fatalf("replay %d changed the tables", i+1)
		}
		c.verify()
	}

	// Delete the relation, then the object.
	c.meta(`mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id } }`, map[string]any{"id": houses["id"]})
	if _, m = c.do("GET", "/rest/houses/"+hid, ""); m["data"].(map[string]any)["house"].(map[string]any)["ownerId"] != nil {
		t.Fatalf("relation still read: %v", m)
	}
	data = c.meta(`mutation($id: UUID!) { deleteOneObject(input: {id: $id}) { id nameSingular } }`, map[string]any{"id": houseID})
	if data["deleteOneObject"].(map[string]any)["nameSingular"] != "house" {
		t.Fatalf("deleteOneObject: %v", data)
	}
	if status, _ = c.do("GET", "/rest/houses", ""); status != 400 {
		t.Fatalf("/rest/houses after delete: %d", status)
	}
	data = c.meta(objectsQuery, nil)
	if h, _ := objectByName(data, "house"); h != nil {
		t.Fatal("house still listed")
	}
	if _, ntf := objectByName(data, "noteTarget"); ntf["house"] != nil {
		t.Fatal("noteTarget.house left behind")
	}
	c.verify()
	after := c.dump("company", "noteTarget")
	if status, _ := c.do("POST", "/admin/replay", ""); status != 200 {
		t.Fatal("replay after delete")
	}
	if again := c.dump("company", "noteTarget"); !reflect.DeepEqual(after, again) {
		t.Fatal("replay after delete changed the tables")
	}
	c.verify()

	// The name is free again.
	c.meta(createObject, map[string]any{"input": map[string]any{"object": map[string]any{
		"nameSingular": "house", "namePlural": "houses", "labelSingular": "House", "labelPlural": "Houses"}}})
	if _, m = c.do("GET", "/rest/houses", ""); m["totalCount"] != float64(0) {
		t.Fatalf("recreated house has rows: %v", m)
	}
	c.verify()
}

func TestRefusedMetadataAppendsNothing(t *testing.T) {
	c := newClient(t)
	data := c.meta(objectsQuery, nil)
	company, cf := objectByName(data, "company")
	companyID := company["id"].(string)
	data = c.meta(createObject, map[string]any{"input": map[string]any{"object": map[string]any{
		"nameSingular": "house", "namePlural": "houses", "labelSingular": "House", "labelPlural": "Houses"}}})
	houseID := data["createOneObject"].(map[string]any)["id"].(string)
	before := c.head()

	field := func(f map[string]any) map[string]any {
		if _, ok := f["objectMetadataId"]; !ok {
			f["objectMetadataId"] = houseID
		}
		return map[string]any{"input": map[string]any{"field": f}}
	}
	cases := []struct {
		name   string
		query  string
		vars   map[string]any
		status int
		field  string // extensions.field
	}{
		{"object name not camelCase", createObject, map[string]any{"input": map[string]any{"object": map[string]any{
			"nameSingular": "Boat_", "namePlural": "boats", "labelSingular": "Boat", "labelPlural": "Boats"}}}, 400, "nameSingular"},
		{"object name taken", createObject, map[string]any{"input": map[string]any{"object": map[string]any{
			"nameSingular": "company", "namePlural": "companyz", "labelSingular": "C", "labelPlural": "Cs"}}}, 400, "nameSingular"},
		{"object name reserved", createObject, map[string]any{"input": map[string]any{"object": map[string]any{
			"nameSingular": "field", "namePlural": "fieldz", "labelSingular": "F", "labelPlural": "Fs"}}}, 400, "nameSingular"},
		{"singular equals plural", createObject, map[string]any{"input": map[string]any{"object": map[string]any{
			"nameSingular": "sheep", "namePlural": "sheep", "labelSingular": "Sheep", "labelPlural": "Sheep"}}}, 400, "namePlural"},
		{"missing label (GraphQL validation)", createObject, map[string]any{"input": map[string]any{"object": map[string]any{
			"nameSingular": "boat", "namePlural": "boats", "labelPlural": "Boats"}}}, 400, ""},
		{"field name reserved", createField, field(map[string]any{"name": "id", "label": "Id2", "type": "TEXT"}), 400, "name"},
		{"field name taken", createField, field(map[string]any{"name": "name", "label": "Name", "type": "TEXT"}), 400, "name"},
		{"field name bad", createField, field(map[string]any{"name": "2floors", "label": "Floors", "type": "TEXT"}), 400, "name"},
		{"select without options", createField, field(map[string]any{"name": "style", "label": "Style", "type": "SELECT"}), 400, "options"},
		{"default not an option", createField, field(map[string]any{"name": "style", "label": "Style", "type": "SELECT",
			"options": []any{map[string]any{"value": "A", "label": "A"}}, "defaultValue": "'B'"}), 400, "defaultValue"},
		{"relation to nothing", createField, field(map[string]any{"name": "owner", "label": "Owner", "type": "RELATION",
			"relationCreationPayload": map[string]any{"targetObjectMetadataId": "00000000-0000-4000-8000-000000000000",
				"targetFieldLabel": "Houses", "type": "MANY_TO_ONE"}}), 400, "relationCreationPayload.targetObjectMetadataId"},
		{"relation inverse clash", createField, field(map[string]any{"name": "owner", "label": "Owner", "type": "RELATION",
			"relationCreationPayload": map[string]any{"targetObjectMetadataId": companyID,
				"targetFieldLabel": "People", "type": "MANY_TO_ONE"}}), 400, "relationCreationPayload.targetFieldLabel"},
		{"field on unknown object", createField, field(map[string]any{"objectMetadataId": "00000000-0000-4000-8000-000000000000",
			"name": "x", "label": "X", "type": "TEXT"}), 404, ""},
		{"delete standard object", `mutation($id: UUID!) { deleteOneObject(input: {id: $id}) { id } }`,
			map[string]any{"id": companyID}, 400, "id"},
		{"delete standard field", `mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id } }`,
			map[string]any{"id": cf["employees"]["id"]}, 400, "id"},
		{"rename standard field", `mutation($id: UUID!) { updateOneField(input: {id: $id, update: {name: "title"}}) { id } }`,
			map[string]any{"id": cf["name"]["id"]}, 400, "name"},
		{"rename object", `mutation($id: UUID!) { updateOneObject(input: {id: $id, update: {nameSingular: "home"}}) { id } }`,
			map[string]any{"id": houseID}, 400, "nameSingular"},
		{"unknown object", `query { object(id: "00000000-0000-4000-8000-000000000000") { id } }`, nil, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, m := c.gql("/metadata", tc.query, tc.vars)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, m)
			}
			errs, _ := m["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("no errors: %v", m)
			}
			e := errs[0].(map[string]any)
			ext, _ := e["extensions"].(map[string]any)
			if msg, _ := e["message"].(string); msg == "" || ext["code"] == nil {
				t.Fatalf("error without message or code: %v", e)
			}
			if tc.field != "" && ext["field"] != tc.field {
				t.Errorf("extensions.field %v, want %s (%v)", ext["field"], tc.field, e["message"])
			}
		})
	}
	if got := c.head(); got != before {
		t.Fatalf("refused metadata commands appended: head %v → %v", before, got)
	}
}

func TestMetadataQueries(t *testing.T) {
	c := newClient(t)
	// Paging with cursors.
	data := c.meta(`{ objects(paging: {first: 3}) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { nameSingular } } } }`, nil)
	conn := data["objects"].(map[string]any)
	if len(conn["edges"].([]any)) != 3 || conn["pageInfo"].(map[string]any)["hasNextPage"] != true {
		t.Fatalf("first page: %v", conn)
	}
	end := conn["pageInfo"].(map[string]any)["endCursor"].(string)
	data = c.meta(`query($after: ConnectionCursor) { objects(paging: {first: 100, after: $after}) { edges { node { nameSingular } } pageInfo { hasNextPage } } }`,
		map[string]any{"after": end})
	if n := len(data["objects"].(map[string]any)["edges"].([]any)); n != 13 {
		t.Fatalf("second page has %d objects, want 13", n)
	}
	// Filters, aliases, fragments, fieldsList, __typename.
	data = c.meta(`query { custom: objects(filter: {isCustom: {is: true}}) { totalCount }
		std: objects(filter: {isCustom: {is: false}, isSystem: {is: false}}) { totalCount edges { node { ...O } } } }
		fragment O on Object { __typename nameSingular fieldsList { name } }`, nil)
	if data["custom"].(map[string]any)["totalCount"] != float64(0) {
		t.Fatalf("custom objects: %v", data["custom"])
	}
	std := data["std"].(map[string]any)
	if std["totalCount"] != float64(8) { // company, note, opportunity, person, task, workflow, workflowRun, workflowVersion
		t.Fatalf("non-system standard objects: %v", std)
	}
	first := std["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)
	if first["__typename"] != "Object" || len(first["fieldsList"].([]any)) == 0 {
		t.Fatalf("fragment: %v", first)
	}
	// fields / field(id).
	data = c.meta(`{ fields(paging: {first: 2}, filter: {isCustom: {is: false}}) { totalCount edges { node { id name object { nameSingular } } } } }`, nil)
	edges := data["fields"].(map[string]any)["edges"].([]any)
	if len(edges) != 2 {
		t.Fatalf("fields: %v", data)
	}
	id := edges[0].(map[string]any)["node"].(map[string]any)["id"]
	data = c.meta(`query($id: UUID!) { field(id: $id) { id name createdAt } }`, map[string]any{"id": id})
	if data["field"].(map[string]any)["id"] != id || data["field"].(map[string]any)["createdAt"] == "" {
		t.Fatalf("field(id): %v", data)
	}
	// Request errors.
	if status, m := c.gql("/metadata", `{ objects { edges { node { nope } } } }`, nil); status != 400 || m["errors"] == nil {
		t.Fatalf("unknown field: %d %v", status, m)
	}
	if status, _ := c.do("POST", "/metadata", `{"query":`); status != 400 {
		t.Fatalf("malformed body: %d", status)
	}
	if status, _ := c.do("GET", "/metadata?query="+strings.ReplaceAll("{ objects { totalCount } }", " ", "+"), ""); status != 200 {
		t.Fatalf("GET query: %d", status)
	}
}

func TestMetadataMutationsAreAtomicAndIdempotent(t *testing.T) {
	c := newClient(t)
	data := c.meta(createObject, map[string]any{"input": map[string]any{"object": map[string]any{
		"labelSingular": "Boat", "labelPlural": "Boats"}}}) // names derived from the labels
	boat := data["createOneObject"].(map[string]any)
	if boat["nameSingular"] != "boat" || boat["namePlural"] != "boats" {
		t.Fatalf("derived names: %v", boat)
	}
	boatID := boat["id"].(string)

	// Two mutations in one document: the second fails, the first is rolled back.
	before := c.head()
	status, m := c.gql("/metadata", `mutation($o: UUID!) {
		a: createOneField(input: {field: {objectMetadataId: $o, name: "hull", label: "Hull", type: TEXT}}) { id }
		b: createOneField(input: {field: {objectMetadataId: $o, name: "hull", label: "Hull", type: TEXT}}) { id } }`,
		map[string]any{"o": boatID})
	if status != 400 || m["data"] != nil {
		t.Fatalf("failing document: %d %v", status, m)
	}
	if c.head() != before {
		t.Fatal("the first mutation of a failed document was kept")
	}

	// A retried mutation (same Idempotency-Key) answers the first result and appends nothing.
	body, _ := json.Marshal(map[string]any{"query": `mutation($o: UUID!) { createOneField(input: {field: {objectMetadataId: $o, name: "code", label: "Code", type: TEXT}}) { id } }`,
		"variables": map[string]any{"o": boatID}})
	send := func() (int, string) {
		resp, err := c.h.Fetch(ws, host.Request{Method: "POST", Path: "/metadata", Body: string(body),
			Headers: map[string]string{"idempotency-key": "k1"}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Status, resp.Body
	}
	s1, b1 := send()
	mid := c.head()
	s2, b2 := send()
	if s1 != 200 || s2 != 200 || b1 != b2 || c.head() != mid {
		t.Fatalf("retry: %d %s / %d %s (head %v → %v)", s1, b1, s2, b2, mid, c.head())
	}
	var r struct {
		Data struct {
			CreateOneField struct{ ID string } `json:"createOneField"`
		} `json:"data"`
	}
	json.Unmarshal([]byte(b1), &r)
	codeID := r.Data.CreateOneField.ID

	// The label identifier can move to a custom field, which then cannot be deleted.
	data = c.meta(`mutation($id: UUID!, $f: UUID!) { updateOneObject(input: {id: $id, update: {labelIdentifierFieldMetadataId: $f}}) { labelIdentifierFieldMetadataId } }`,
		map[string]any{"id": boatID, "f": codeID})
	if data["updateOneObject"].(map[string]any)["labelIdentifierFieldMetadataId"] != codeID {
		t.Fatalf("label identifier: %v", data)
	}
	status, m = c.gql("/metadata", `mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id } }`, map[string]any{"id": codeID})
	if status != 400 || m["errors"].([]any)[0].(map[string]any)["extensions"].(map[string]any)["rule"] != "label_identifier" {
		t.Fatalf("delete the label identifier: %d %v", status, m)
	}
	// Records of the boat are searchable by the new label identifier.
	if status, m = c.do("POST", "/rest/boats", `{"name":"Unsinkable","code":"B-42"}`); status != 201 {
		t.Fatalf("boat: %d %v", status, m)
	}
	c.verify()
}
