package edge_test

import (
	"net/url"
	"strings"
	"testing"
)

// A field without read permission is not returned on any path: REST
// expansions at every depth, nested GraphQL selections; filters, orders,
// aggregates and groups over it are refused (they would leak its values),
// and relations to objects the role may not read are left out.
func TestFieldReadPermissionOnEveryPath(t *testing.T) {
	c := newClient(t, nil)
	admin := c.signUpAndLogIn("admin@example.com", "admin password", "")
	r := c.gql(admin.Access, `mutation($in: CreateRoleInput!) { createOneRole(createRoleInput: $in) { id } }`,
		map[string]any{"in": map[string]any{"label": "Sales", "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": true}})
	roleID, _ := dig(r.Body, "data", "createOneRole", "id").(string)
	company, employees := c.fieldID(admin.Access, "company", "employees")
	person, jobTitle := c.fieldID(admin.Access, "person", "jobTitle")
	for _, q := range []struct {
		doc string
		in  map[string]any
	}{
		{`mutation($in: UpsertFieldPermissionsInput!) { upsertFieldPermissions(upsertFieldPermissionsInput: $in) { id } }`,
			map[string]any{"roleId": roleID, "fieldPermissions": []any{
				map[string]any{"objectMetadataId": company, "fieldMetadataId": employees, "canReadFieldValue": false},
				map[string]any{"objectMetadataId": person, "fieldMetadataId": jobTitle, "canReadFieldValue": false}}}},
		{`mutation($in: UpsertObjectPermissionsInput!) { upsertObjectPermissions(upsertObjectPermissionsInput: $in) { objectMetadataId } }`,
			map[string]any{"roleId": roleID, "objectPermissions": []any{map[string]any{"objectMetadataId": c.objectID(admin.Access, "opportunity"), "canReadObjectRecords": false}}}},
	} {
		if r := c.gql(admin.Access, q.doc, map[string]any{"in": q.in}); r.Status != 200 || dig(r.Body, "errors") != nil {
			t.Fatalf("%s: %d %s", q.doc, r.Status, r.Raw)
		}
	}
	r = c.gql(admin.Access, `mutation { sendInvitations(emails: ["rep@example.com"]) { result { personalInviteToken } } }`, nil)
	invite := dig(r.Body, "data", "sendInvitations", "result").([]any)[0].(map[string]any)["personalInviteToken"].(string)
	rep := c.signUpAndLogIn("rep@example.com", "rep password", invite)
	if r := c.gql(admin.Access, `mutation($id: UUID!, $role: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $id, roleId: $role) { id } }`,
		map[string]any{"id": mustClaims(t, rep.Access).WorkspaceMemberID, "role": roleID}); r.Status != 200 {
		t.Fatalf("updateWorkspaceMemberRole: %d %s", r.Status, r.Raw)
	}
	r = c.do("POST", "/rest/companies", admin.Access, `{"name":"Acme","employees":42}`)
	companyID, _ := dig(r.Body, "data", "createCompany", "id").(string)
	if r.Status != 201 || companyID == "" {
		t.Fatalf("create company: %d %s", r.Status, r.Raw)
	}
	if r := c.do("POST", "/rest/people", admin.Access, `{"name":{"firstName":"Ann"},"jobTitle":"Zorblax","companyId":"`+companyID+`"}`); r.Status != 201 {
		t.Fatalf("create person: %d %s", r.Status, r.Raw)
	}
	if r := c.do("POST", "/rest/opportunities", admin.Access, `{"name":"Deal","companyId":"`+companyID+`"}`); r.Status != 201 {
		t.Fatalf("create opportunity: %d %s", r.Status, r.Raw)
	}

	// REST expansions: the related company without employees, without its
	// opportunities (an object the role may not read), at depth 1 and 2.
	for _, depth := range []string{"1", "2"} {
		r = c.do("GET", "/rest/people?depth="+depth, rep.Access, "")
		people, _ := dig(r.Body, "data", "people").([]any)
		if r.Status != 200 || len(people) != 1 {
			t.Fatalf("REST people depth=%s: %d %s", depth, r.Status, r.Raw)
		}
		co, _ := dig(people[0], "company").(map[string]any)
		_, hasEmployees := co["employees"]
		_, hasOpps := co["opportunities"]
		_, hasOwnOpps := people[0].(map[string]any)["pointOfContactForOpportunities"]
		if co["name"] != "Acme" || hasEmployees || hasOwnOpps || depth == "2" && (hasOpps || co["people"] == nil) {
			t.Fatalf("REST people depth=%s leaks: %s", depth, r.Raw)
		}
	}
	if r := c.do("GET", "/rest/people?depth=2", admin.Access, ""); !strings.Contains(r.Raw, `"employees":42`) {
		t.Fatalf("admin REST people depth=2: %s", r.Raw)
	}

	// GraphQL nested selections: null, like the top level.
	r = c.graphql(rep.Access, `{ people { edges { node { company { name employees } } } } }`)
	if n := dig(r.Body, "data", "people", "edges").([]any)[0]; dig(n, "node", "company", "name") != "Acme" || dig(n, "node", "company", "employees") != nil {
		t.Fatalf("GraphQL nested company: %s", r.Raw)
	}

	// Filters, orders, aggregates and groups over the hidden field are refused.
	denied := func(what string, r resp) {
		t.Helper()
		if e := firstErr(t, r); dig(e, "extensions", "subCode") != "PERMISSION_DENIED" || !strings.Contains(r.Raw, `employees`) ||
			strings.Contains(r.Raw, "42") {
			t.Fatalf("%s: %d %s", what, r.Status, r.Raw)
		}
	}
	denied("filter", c.graphql(rep.Access, `{ companies(filter: {employees: {gt: 10}}) { edges { node { id } } } }`))
	denied("nested filter", c.graphql(rep.Access, `{ people(filter: {or: [{company: {employees: {eq: 42}}}]}) { edges { node { id } } } }`))
	denied("orderBy", c.graphql(rep.Access, `{ companies(orderBy: [{employees: AscNullsFirst}]) { edges { node { id } } } }`))
	denied("aggregate", c.graphql(rep.Access, `{ companies { totalCount sumEmployees } }`))
	denied("groupBy", c.graphql(rep.Access, `{ companiesGroupBy(groupBy: [{employees: true}]) { groupByDimensionValues totalCount } }`))
	denied("groupBy order", c.graphql(rep.Access, `{ companiesGroupBy(groupBy: [{name: true}], orderBy: [{aggregate: {maxEmployees: DescNullsLast}}]) { totalCount } }`))
	if r := c.graphql(rep.Access, `{ companies { totalCount countEmptyName } }`); dig(r.Body, "data", "companies", "totalCount") != float64(1) {
		t.Fatalf("readable aggregates: %s", r.Raw)
	}
	for _, q := range []string{"filter=" + url.QueryEscape("employees[eq]:42"), "order_by=employees", "filter=" + url.QueryEscape("name[eq]:Acme,employees[gt]:1")} {
		if r := c.do("GET", "/rest/companies?"+q, rep.Access, ""); r.Status != 403 || !strings.Contains(r.Raw, "PERMISSION_DENIED") {
			t.Fatalf("REST %s: %d %s", q, r.Status, r.Raw)
		}
	}
	if r := c.do("DELETE", "/rest/companies?filter="+url.QueryEscape("employees[eq]:42"), rep.Access, ""); r.Status != 403 {
		t.Fatalf("REST deleteMany by a hidden field: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies?filter="+url.QueryEscape("employees[eq]:42"), admin.Access, ""); r.Status != 200 {
		t.Fatalf("admin REST filter: %d %s", r.Status, r.Raw)
	}

	// Search matches only what the role may read (a match would leak it).
	search := `{ search(searchInput: "Zorblax", limit: 10) { edges { node { label } } } }`
	if r := c.graphql(admin.Access, search); len(dig(r.Body, "data", "search", "edges").([]any)) != 1 {
		t.Fatalf("admin search: %s", r.Raw)
	}
	if r := c.graphql(rep.Access, search); r.Status != 200 || len(dig(r.Body, "data", "search", "edges").([]any)) != 0 {
		t.Fatalf("rep search by a hidden field: %d %s", r.Status, r.Raw)
	}
	r = c.graphql(rep.Access, `{ search(searchInput: "Ann", limit: 10) { edges { node { label } } } }`)
	if e, _ := dig(r.Body, "data", "search", "edges").([]any); len(e) != 1 || dig(e[0], "node", "label") != "Ann" {
		t.Fatalf("rep search by a readable field: %s", r.Raw)
	}
	r = c.graphql(rep.Access, `{ people(filter: {searchVector: {search: "Zorblax"}}) { edges { node { id } } } }`)
	if e, _ := dig(r.Body, "data", "people", "edges").([]any); r.Status != 200 || len(e) != 0 {
		t.Fatalf("rep searchVector filter by a hidden field: %s", r.Raw)
	}
}
