package metadata_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"edgecrm/api/metadata"
	"edgecrm/sqldb/sqlitedb"
)

// frontDir holds Twenty's own frontend documents (tests/js/twenty-front).
const frontDir = "../../tests/js/twenty-front"

var spread = regexp.MustCompile(`\.\.\.([A-Za-z_][A-Za-z0-9_]*)`)

// frontDoc reads one of Twenty's frontend documents (rel without
// ".graphql") with the fragments it spreads appended, as gql templates
// interpolate them.
func frontDoc(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(frontDir, rel+".graphql"))
	if err != nil {
		t.Fatal(err)
	}
	doc, seen := string(b), map[string]bool{}
	for i := 0; ; i++ {
		added := false
		for _, m := range spread.FindAllStringSubmatch(doc, -1) {
			if name := m[1]; !seen[name] && name != "on" {
				seen[name] = true
				if fb, err := os.ReadFile(filepath.Join(frontDir, "fragments", name+".graphql")); err == nil {
					doc += "\n" + string(fb)
					added = true
				}
			}
		}
		if !added {
			return doc
		}
	}
}

// front runs one of Twenty's frontend documents on /metadata; it must
// succeed.
func (c *client) front(rel string, vars map[string]any) map[string]any {
	c.t.Helper()
	return c.meta(frontDoc(c.t, rel), vars)
}

func createCompanies(c *client, names ...string) []string {
	c.t.Helper()
	var ids []string
	for _, n := range names {
		status, m := c.gql("/graphql", `mutation($d: CompanyCreateInput!) { createCompany(data: $d) { id } }`,
			map[string]any{"d": map[string]any{"name": n}})
		if status != 200 || m["errors"] != nil {
			c.t.Fatalf("createCompany: %d %v", status, m)
		}
		ids = append(ids, m["data"].(map[string]any)["createCompany"].(map[string]any)["id"].(string))
	}
	return ids
}

func frontObject(data map[string]any, name string) map[string]any {
	for _, e := range data["objects"].(map[string]any)["edges"].([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		if n["nameSingular"] == name {
			return n
		}
	}
	return nil
}

func fieldID(obj map[string]any, name string) string {
	for _, f := range obj["fieldsList"].([]any) {
		if f.(map[string]any)["name"] == name {
			return f.(map[string]any)["id"].(string)
		}
	}
	return ""
}

// The frontend boots with ObjectMetadataItems: every member it selects is
// answered, searchFieldMetadataList names the searchable fields.
func TestFrontObjectMetadataItems(t *testing.T) {
	c := newClient(t)
	data := c.front("object-metadata/ObjectMetadataItems", nil)
	company := frontObject(data, "company")
	if company == nil || company["openRecordIn"] != "SIDE_PANEL" {
		t.Fatalf("company: %v", company)
	}
	var searched []string
	for _, s := range company["searchFieldMetadataList"].([]any) {
		searched = append(searched, s.(map[string]any)["fieldMetadataId"].(string))
	}
	if want := []string{fieldID(company, "name"), fieldID(company, "domainName")}; !slices.Equal(searched, want) || want[0] == "" {
		t.Fatalf("searchFieldMetadataList: %v, want %v", searched, want)
	}
	if len(company["indexMetadataList"].([]any)) == 0 {
		t.Fatalf("company has no indexes")
	}
}

// Create, update and delete an object with the frontend's own documents
// and selections.
func TestFrontObjectLifecycle(t *testing.T) {
	c := newClient(t)
	created := c.front("object-metadata/CreateOneObjectMetadataItem", map[string]any{"input": map[string]any{"object": map[string]any{
		"nameSingular": "rocket", "namePlural": "rockets", "labelSingular": "Rocket", "labelPlural": "Rockets", "icon": "IconRocket"}}})["createOneObject"].(map[string]any)
	id := created["id"].(string)
	if created["openRecordIn"] != "SIDE_PANEL" || created["isUICreatable"] != true || len(created["fieldsList"].([]any)) == 0 {
		t.Fatalf("created: %v", created)
	}
	updated := c.front("object-metadata/UpdateOneObjectMetadataItem", map[string]any{"idToUpdate": id,
		"updatePayload": map[string]any{"labelPlural": "Spaceships", "description": "Things that fly"}})["updateOneObject"].(map[string]any)
	if updated["labelPlural"] != "Spaceships" || updated["description"] != "Things that fly" {
		t.Fatalf("updated: %v", updated)
	}
	deleted := c.front("object-metadata/DeleteOneObjectMetadataItem", map[string]any{"idToDelete": id})["deleteOneObject"].(map[string]any)
	if deleted["id"] != id || deleted["nameSingular"] != "rocket" {
		t.Fatalf("deleted: %v", deleted)
	}
	if frontObject(c.front("object-metadata/ObjectMetadataItems", nil), "rocket") != nil {
		t.Fatalf("rocket still listed")
	}
}

func recordCount(data map[string]any, plural string) any {
	for _, r := range data["objectRecordCounts"].([]any) {
		if r.(map[string]any)["objectNamePlural"] == plural {
			return r.(map[string]any)["totalCount"]
		}
	}
	return nil
}

// ObjectRecordCounts counts live records: a soft-deleted one is not counted.
func TestFrontObjectRecordCounts(t *testing.T) {
	c := newClient(t)
	before := recordCount(c.front("object-metadata/ObjectRecordCounts", nil), "companies").(float64)
	ids := createCompanies(c, "Acme", "Globex", "Initech")
	if status, m := c.gql("/graphql", `mutation($id: UUID!) { deleteCompany(id: $id) { id } }`, map[string]any{"id": ids[0]}); status != 200 || m["errors"] != nil {
		t.Fatalf("deleteCompany: %d %v", status, m)
	}
	data := c.front("object-metadata/ObjectRecordCounts", nil)
	if got := recordCount(data, "companies"); got != before+2 {
		t.Fatalf("companies: %v, want %v", got, before+2)
	}
	if got := recordCount(data, "people"); got == nil {
		t.Fatalf("people not counted: %v", data)
	}
}

// MostlyEmptyFieldMetadataIds flags a field empty in 90% of the records
// and stops flagging it once it is filled in.
func TestFrontMostlyEmptyFieldMetadataIds(t *testing.T) {
	c := newClient(t)
	company := frontObject(c.front("object-metadata/ObjectMetadataItems", nil), "company")
	vars := map[string]any{"objectMetadataId": company["id"]}
	if got := c.front("object-metadata/MostlyEmptyFieldMetadataIds", vars)["mostlyEmptyFieldMetadataIds"].([]any); len(got) != 0 {
		t.Fatalf("no records, yet mostly empty: %v", got)
	}
	ids := createCompanies(c, "A", "B", "C", "D", "E", "F", "G", "H", "I", "J")
	employees, name := fieldID(company, "employees"), fieldID(company, "name")
	got := c.front("object-metadata/MostlyEmptyFieldMetadataIds", vars)["mostlyEmptyFieldMetadataIds"].([]any)
	if !slices.Contains(got, any(employees)) || slices.Contains(got, any(name)) {
		t.Fatalf("mostly empty: %v (employees %s, name %s)", got, employees, name)
	}
	for i, id := range ids[:2] {
		if status, m := c.gql("/graphql", `mutation($id: UUID!, $d: CompanyUpdateInput!) { updateCompany(id: $id, data: $d) { id } }`,
			map[string]any{"id": id, "d": map[string]any{"employees": 10 + i}}); status != 200 || m["errors"] != nil {
			t.Fatalf("updateCompany: %d %v", status, m)
		}
	}
	got = c.front("object-metadata/MostlyEmptyFieldMetadataIds", vars)["mostlyEmptyFieldMetadataIds"].([]any)
	if slices.Contains(got, any(employees)) {
		t.Fatalf("employees filled in 2 of 10, still mostly empty: %v", got)
	}
	status, m := c.gql("/metadata", frontDoc(t, "object-metadata/MostlyEmptyFieldMetadataIds"),
		map[string]any{"objectMetadataId": "00000000-0000-4000-8000-000000000000"})
	if status != 200 || !strings.Contains(fmt.Sprint(m["errors"]), "NOT_FOUND") {
		t.Fatalf("unknown object: %d %v", status, m)
	}
}

// The frontend's object metadata and view documents validate against the
// schema, but for the ones listed (not served yet).
func TestFrontDocumentsValidate(t *testing.T) {
	notYet := map[string]bool{}
	for _, dir := range []string{"object-metadata", "views"} {
		files, err := filepath.Glob(filepath.Join(frontDir, dir, "*.graphql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, f := range files {
			rel := dir + "/" + strings.TrimSuffix(filepath.Base(f), ".graphql")
			_, errs := gqlparser.LoadQuery(metadata.Schema(), frontDoc(t, rel))
			if len(errs) > 0 && !notYet[rel] {
				t.Errorf("%s: %v", rel, errs)
			} else if len(errs) == 0 && notYet[rel] {
				t.Errorf("%s validates: take it off notYet", rel)
			}
		}
	}
}

// The later view members with the frontend's own documents: a calendar's
// end field, a filter's relation target, groups updated together, a sort
// deleted and destroyed answering a Boolean; an unknown view field group
// cannot be named (the refusal changes nothing); a group created and
// renamed lists the view field that joined it.
func TestFrontViewLaterMembers(t *testing.T) {
	c := newClient(t)
	objs, fields := c.objectIDs()
	views := c.front("views/FindManyViews", map[string]any{"objectMetadataId": objs["opportunity"]})["getViews"].([]any)
	var table, board map[string]any
	for _, v := range views {
		if m := v.(map[string]any); m["type"] == "KANBAN" {
			board = m
		} else {
			table = m
		}
	}
	if table == nil || board == nil || table["calendarEndFieldMetadataId"] != nil {
		t.Fatalf("opportunity views: %v", views)
	}
	vf := list(table["viewFields"])[0]
	if vf["isActive"] != true || vf["viewFieldGroupId"] != nil {
		t.Fatalf("view field: %v", vf)
	}

	updated := c.front("views/UpdateView", map[string]any{"id": table["id"], "input": map[string]any{
		"type": "CALENDAR", "calendarFieldMetadataId": fields["opportunity"]["createdAt"],
		"calendarEndFieldMetadataId": fields["opportunity"]["closeDate"], "calendarLayout": "WEEK"}})["updateView"].(map[string]any)
	if updated["calendarEndFieldMetadataId"] != fields["opportunity"]["closeDate"] || updated["calendarLayout"] != "WEEK" {
		t.Fatalf("calendar view: %v", updated)
	}

	filter := c.front("views/CreateViewFilter", map[string]any{"input": map[string]any{"viewId": table["id"],
		"fieldMetadataId": fields["opportunity"]["company"], "operand": "IS", "value": []any{"x"},
		"relationTargetFieldMetadataId": fields["company"]["name"]}})["createViewFilter"].(map[string]any)
	if filter["relationTargetFieldMetadataId"] != fields["company"]["name"] {
		t.Fatalf("filter: %v", filter)
	}

	groups := list(board["viewGroups"])
	if len(groups) < 2 {
		t.Fatalf("board groups: %v", groups)
	}
	got := c.front("views/UpdateManyViewGroups", map[string]any{"inputs": []any{
		map[string]any{"id": groups[0]["id"], "update": map[string]any{"isVisible": false}},
		map[string]any{"id": groups[1]["id"], "update": map[string]any{"position": 99}},
	}})["updateManyViewGroups"].([]any)
	if len(got) != 2 || got[0].(map[string]any)["isVisible"] != false || got[1].(map[string]any)["position"] != 99.0 {
		t.Fatalf("updateManyViewGroups: %v", got)
	}

	sortInput := func() map[string]any {
		s := c.front("views/CreateViewSort", map[string]any{"input": map[string]any{"viewId": table["id"],
			"fieldMetadataId": fields["opportunity"]["amount"], "direction": "DESC"}})["createViewSort"].(map[string]any)
		return map[string]any{"input": map[string]any{"id": s["id"]}}
	}
	if d := c.front("views/DeleteViewSort", sortInput()); d["deleteViewSort"] != true {
		t.Fatalf("deleteViewSort: %v", d)
	}
	if d := c.front("views/DestroyViewSort", sortInput()); d["destroyViewSort"] != true {
		t.Fatalf("destroyViewSort: %v", d)
	}
	if s := c.meta(`query($v: String) { getViewSorts(viewId: $v) { id } }`, map[string]any{"v": table["id"]})["getViewSorts"].([]any); len(s) != 0 {
		t.Fatalf("sorts left: %v", s)
	}

	before := c.head()
	status, m := c.gql("/metadata", frontDoc(t, "views/CreateViewField"), map[string]any{"input": map[string]any{"viewId": table["id"],
		"fieldMetadataId": fields["opportunity"]["name"], "viewFieldGroupId": "00000000-0000-4000-8000-000000000001"}})
	if status != 400 || m["errors"] == nil || c.head() != before {
		t.Fatalf("view field group: %d %v", status, m)
	}

	g := c.front("views/CreateViewFieldGroup", map[string]any{"input": map[string]any{"viewId": table["id"], "name": "Deal"}})["createViewFieldGroup"].(map[string]any)
	if g["name"] != "Deal" || g["isVisible"] != true || g["position"] != 0.0 || len(list(g["viewFields"])) != 0 {
		t.Fatalf("createViewFieldGroup: %v", g)
	}
	c.front("views/CreateViewField", map[string]any{"input": map[string]any{"viewId": table["id"],
		"fieldMetadataId": fields["opportunity"]["name"], "viewFieldGroupId": g["id"]}})
	g = c.front("views/UpdateViewFieldGroup", map[string]any{"input": map[string]any{"id": g["id"],
		"update": map[string]any{"name": "Deal terms", "position": 2}}})["updateViewFieldGroup"].(map[string]any)
	if g["name"] != "Deal terms" || g["position"] != 2.0 || len(list(g["viewFields"])) != 1 || list(g["viewFields"])[0]["viewFieldGroupId"] != g["id"] {
		t.Fatalf("updateViewFieldGroup: %v", g)
	}
	views = c.front("views/FindManyViews", map[string]any{"objectMetadataId": objs["opportunity"]})["getViews"].([]any)
	for _, v := range views {
		if m := v.(map[string]any); m["id"] == table["id"] && (len(list(m["viewFieldGroups"])) != 1 || list(m["viewFieldGroups"])[0]["name"] != "Deal terms") {
			t.Fatalf("view's field groups: %v", m["viewFieldGroups"])
		}
	}
	// Deleted, the group lets its fields go: they stay in the view, in no group.
	c.meta(`mutation($id: UUID!) { deleteViewFieldGroup(input: {id: $id}) { id } }`, map[string]any{"id": g["id"]})
	fs := c.meta(`query($v: String!) { getViewFields(viewId: $v) { id viewFieldGroupId } }`, map[string]any{"v": table["id"]})["getViewFields"].([]any)
	for _, f := range fs {
		if f.(map[string]any)["viewFieldGroupId"] != nil {
			t.Fatalf("a field still in the deleted group: %v", fs)
		}
	}
}

// A custom index (the frontend's CreateOneIndexMetadataItem and
// DeleteOneIndexMetadataItem): kept as metadata, listed in the object's
// indexMetadataList, created on the object's table inline and in D1, gone
// with deleteOneIndex; a composite field needs its subfield.
func TestFrontCustomIndex(t *testing.T) {
	c := newClient(t)
	objs, fields := c.objectIDs()
	sqlIndexes := func() []string {
		var out []string
		obj, _ := c.h.Object(ws)
		for _, db := range []*sqlitedb.DB{obj, c.h.D1} {
			rows, err := db.Exec(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%__custom_%' AND tbl_name LIKE '%person' ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows.Values {
				out = append(out, fmt.Sprint(r[0]))
			}
		}
		return out
	}
	status, m := c.gql("/metadata", frontDoc(t, "object-metadata/CreateOneIndexMetadataItem"), map[string]any{"input": map[string]any{"index": map[string]any{
		"objectMetadataId": objs["person"], "fields": []any{map[string]any{"fieldMetadataId": fields["person"]["name"]}}}}})
	if status != 400 || !strings.Contains(fmt.Sprint(m["errors"]), "subFieldName") {
		t.Fatalf("composite without a subfield: %d %v", status, m)
	}
	idx := c.front("object-metadata/CreateOneIndexMetadataItem", map[string]any{"input": map[string]any{"index": map[string]any{
		"objectMetadataId": objs["person"], "fields": []any{
			map[string]any{"fieldMetadataId": fields["person"]["name"], "subFieldName": "lastName"},
			map[string]any{"fieldMetadataId": fields["person"]["city"]}}}}})["createOneIndex"].(map[string]any)
	cols := list(idx["indexFieldMetadataList"])
	if idx["isCustom"] != true || idx["isUnique"] != false || idx["indexType"] != "BTREE" || len(cols) != 2 ||
		cols[0]["subFieldName"] != "lastName" || cols[1]["fieldMetadataId"] != fields["person"]["city"] || cols[1]["order"] != 1.0 {
		t.Fatalf("createOneIndex: %v", idx)
	}
	if err := c.h.Flush(ws); err != nil {
		t.Fatal(err)
	}
	if got := sqlIndexes(); len(got) != 2 {
		t.Fatalf("the index on the tables (inline, D1): %v", got)
	}
	items := c.front("object-metadata/ObjectMetadataItems", nil)["objects"].(map[string]any)["edges"].([]any)
	found := false
	for _, e := range items {
		n := e.(map[string]any)["node"].(map[string]any)
		for _, i := range list(n["indexMetadataList"]) {
			found = found || (i["id"] == idx["id"] && n["nameSingular"] == "person")
		}
	}
	if !found {
		t.Fatalf("the index is not in person's indexMetadataList")
	}
	d := c.front("object-metadata/DeleteOneIndexMetadataItem", map[string]any{"idToDelete": idx["id"]})["deleteOneIndex"].(map[string]any)
	if d["id"] != idx["id"] || d["name"] != idx["name"] {
		t.Fatalf("deleteOneIndex: %v", d)
	}
	if err := c.h.Flush(ws); err != nil {
		t.Fatal(err)
	}
	if got := sqlIndexes(); len(got) != 0 {
		t.Fatalf("indexes left: %v", got)
	}
	c.verify()
}
