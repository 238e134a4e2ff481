package edge_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"edgecrm/host/native"
)

// objectID returns the metadata id of object name (via /metadata).
func (c *client) objectID(token, name string) string {
	c.t.Helper()
	r := c.gql(token, `query { objects(paging: {first: 200}) { edges { node { id nameSingular } } } }`, nil)
	edges, _ := dig(r.Body, "data", "objects", "edges").([]any)
	for _, e := range edges {
		if dig(e, "node", "nameSingular") == name {
			return dig(e, "node", "id").(string)
		}
	}
	c.t.Fatalf("object %s not found: %s", name, r.Raw)
	return ""
}

// fieldID returns the metadata ids of object name and of its field.
func (c *client) fieldID(token, object, field string) (string, string) {
	c.t.Helper()
	r := c.gql(token, `query { objects(paging: {first: 200}) { edges { node { id nameSingular fields(paging: {first: 200}) { edges { node { id name } } } } } } }`, nil)
	edges, _ := dig(r.Body, "data", "objects", "edges").([]any)
	for _, e := range edges {
		if dig(e, "node", "nameSingular") != object {
			continue
		}
		for _, f := range dig(e, "node", "fields", "edges").([]any) {
			if dig(f, "node", "name") == field {
				return dig(e, "node", "id").(string), dig(f, "node", "id").(string)
			}
		}
	}
	c.t.Fatalf("field %s.%s not found: %s", object, field, r.Raw)
	return "", ""
}

func (c *client) graphql(token, query string) resp {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	return c.do("POST", "/graphql", token, string(b))
}

// A custom role without read on opportunities: its member is refused with
// Twenty's permission error on GraphQL and REST, and still reads the rest.
func TestRoleWithoutReadIsRefused(t *testing.T) {
	c := newClient(t, nil)
	admin := c.signUpAndLogIn("admin@example.com", "admin password", "")
	r := c.gql(admin.Access, `mutation($in: CreateRoleInput!) { createOneRole(createRoleInput: $in) { id label isEditable canReadAllObjectRecords } }`,
		map[string]any{"in": map[string]any{"label": "Sales", "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": true,
			"canSoftDeleteAllObjectRecords": true, "canDestroyAllObjectRecords": false}})
	roleID, _ := dig(r.Body, "data", "createOneRole", "id").(string)
	if r.Status != 200 || roleID == "" || dig(r.Body, "data", "createOneRole", "isEditable") != true {
		t.Fatalf("createOneRole: %d %s", r.Status, r.Raw)
	}
	opp := c.objectID(admin.Access, "opportunity")
	r = c.gql(admin.Access, `mutation($in: UpsertObjectPermissionsInput!) { upsertObjectPermissions(upsertObjectPermissionsInput: $in) { objectMetadataId canReadObjectRecords canUpdateObjectRecords } }`,
		map[string]any{"in": map[string]any{"roleId": roleID, "objectPermissions": []any{map[string]any{"objectMetadataId": opp, "canReadObjectRecords": false}}}})
	if got := dig(r.Body, "data", "upsertObjectPermissions"); r.Status != 200 || len(got.([]any)) != 1 || dig(got.([]any)[0], "canReadObjectRecords") != false {
		t.Fatalf("upsertObjectPermissions: %d %s", r.Status, r.Raw)
	}

	// Invite a member and give them the role.
	r = c.gql(admin.Access, `mutation { sendInvitations(emails: ["rep@example.com"]) { result { personalInviteToken } } }`, nil)
	invite := dig(r.Body, "data", "sendInvitations", "result").([]any)[0].(map[string]any)["personalInviteToken"].(string)
	rep := c.signUpAndLogIn("rep@example.com", "rep password", invite)
	memberID := mustClaims(t, rep.Access).WorkspaceMemberID
	if r := c.gql(rep.Access, `mutation($id: UUID!) { deleteOneRole(roleId: $id) }`, map[string]any{"id": roleID}); r.Status != 403 {
		t.Fatalf("a member deleting a role: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `mutation($id: UUID!, $role: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $id, roleId: $role) { id } }`,
		map[string]any{"id": memberID, "role": roleID})
	if r.Status != 200 {
		t.Fatalf("updateWorkspaceMemberRole: %d %s", r.Status, r.Raw)
	}

	r = c.graphql(rep.Access, `query { opportunities { edges { node { id } } } }`)
	if code := dig(r.Body, "errors").([]any)[0].(map[string]any)["extensions"].(map[string]any)["code"]; code != "FORBIDDEN" ||
		!strings.Contains(r.Raw, "User does not have permission") {
		t.Fatalf("GraphQL opportunities: %d %s", r.Status, r.Raw)
	}
	if e := firstErr(t, r); dig(e, "extensions", "subCode") != "PERMISSION_DENIED" || dig(e, "extensions", "userFriendlyMessage") != "User does not have permission." {
		t.Fatalf("GraphQL opportunities extensions: %s", r.Raw)
	}
	if r := c.do("GET", "/rest/opportunities", rep.Access, ""); r.Status != 403 ||
		r.Raw != `{"statusCode":403,"error":"ForbiddenException","messages":["User does not have permission"],"code":"PERMISSION_DENIED"}` {
		t.Fatalf("REST opportunities: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies", rep.Access, ""); r.Status != 200 {
		t.Fatalf("REST companies: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/opportunities", admin.Access, ""); r.Status != 200 {
		t.Fatalf("admin REST opportunities: %d %s", r.Status, r.Raw)
	}

	// A field without read permission is not returned (REST and GraphQL).
	company, employees := c.fieldID(admin.Access, "company", "employees")
	r = c.gql(admin.Access, `mutation($in: UpsertFieldPermissionsInput!) { upsertFieldPermissions(upsertFieldPermissionsInput: $in) { id roleId fieldMetadataId canReadFieldValue } }`,
		map[string]any{"in": map[string]any{"roleId": roleID, "fieldPermissions": []any{map[string]any{"objectMetadataId": company, "fieldMetadataId": employees, "canReadFieldValue": false}}}})
	if got, _ := dig(r.Body, "data", "upsertFieldPermissions").([]any); r.Status != 200 || len(got) != 1 || dig(got[0], "canReadFieldValue") != false {
		t.Fatalf("upsertFieldPermissions: %d %s", r.Status, r.Raw)
	}
	if r := c.do("POST", "/rest/companies", admin.Access, `{"name":"Acme","employees":42}`); r.Status != 201 {
		t.Fatalf("create company: %d %s", r.Status, r.Raw)
	}
	r = c.do("GET", "/rest/companies", rep.Access, "")
	recs, _ := dig(r.Body, "data", "companies").([]any)
	if r.Status != 200 || len(recs) != 1 || dig(recs[0], "name") != "Acme" {
		t.Fatalf("REST companies as rep: %d %s", r.Status, r.Raw)
	}
	if _, ok := recs[0].(map[string]any)["employees"]; ok {
		t.Fatalf("REST returned a field without read permission: %s", r.Raw)
	}
	r = c.graphql(rep.Access, `query { companies { edges { node { name employees } } } }`)
	if node := dig(r.Body, "data", "companies", "edges").([]any)[0]; dig(node, "node", "name") != "Acme" || dig(node, "node", "employees") != nil {
		t.Fatalf("GraphQL companies as rep: %s", r.Raw)
	}
	r = c.graphql(admin.Access, `query { companies { edges { node { employees } } } }`)
	if dig(r.Body, "data", "companies", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)["employees"] != float64(42) {
		t.Fatalf("GraphQL companies as admin: %s", r.Raw)
	}

	// Search leaves out the objects the role may not read; REST depth leaves
	// out relations to them.
	if r := c.do("POST", "/rest/opportunities", admin.Access, `{"name":"Zebra deal"}`); r.Status != 201 {
		t.Fatalf("create opportunity: %d %s", r.Status, r.Raw)
	}
	search := `{ search(searchInput: "Zebra", limit: 10) { edges { node { objectNameSingular } } } }`
	if r := c.graphql(admin.Access, search); len(dig(r.Body, "data", "search", "edges").([]any)) != 1 {
		t.Fatalf("admin search: %s", r.Raw)
	}
	if r := c.graphql(rep.Access, search); r.Status != 200 || len(dig(r.Body, "data", "search", "edges").([]any)) != 0 {
		t.Fatalf("rep search: %d %s", r.Status, r.Raw)
	}
	r = c.do("GET", "/rest/companies?depth=1", rep.Access, "")
	if rec := dig(r.Body, "data", "companies").([]any)[0].(map[string]any); rec["opportunities"] != nil || rec["people"] == nil {
		t.Fatalf("REST depth=1 as rep: %s", r.Raw)
	}

	// getRoles lists the standard roles and the custom one with its permission.
	r = c.gql(admin.Access, `query { getRoles { id label workspaceMembers { id } objectPermissions { objectMetadataId canReadObjectRecords } } }`, nil)
	roles, _ := dig(r.Body, "data", "getRoles").([]any)
	if len(roles) != 3 || dig(roles[2], "label") != "Sales" || len(dig(roles[2], "objectPermissions").([]any)) != 1 ||
		len(dig(roles[2], "workspaceMembers").([]any)) != 1 || dig(roles[2], "workspaceMembers").([]any)[0].(map[string]any)["id"] != memberID {
		t.Fatalf("getRoles: %s", r.Raw)
	}

	// Roles are access-log state: a replay of the log rebuilds them as they were.
	db, _ := c.h.Object(admin.Workspace)
	dump := func() string {
		rows, err := db.Exec(`SELECT r.id, r.body, m.member_id, m.role FROM _auth_roles r JOIN _auth_members m ON m.role = r.id ORDER BY 1, 3`)
		if err != nil || len(rows.Values) != 1 {
			t.Fatalf("roles: %v %v", rows, err)
		}
		return fmt.Sprint(rows.Values)
	}
	before := dump()
	if r := c.do("POST", "/admin/workspaces/"+admin.Workspace+"/access/replay", native.AdminToken, ""); r.Status != 200 {
		t.Fatalf("access replay: %d %s", r.Status, r.Raw)
	}
	if after := dump(); after != before {
		t.Fatalf("replay changed the roles:\n%s\n%s", before, after)
	}
	if r := c.do("GET", "/rest/opportunities", rep.Access, ""); r.Status != 403 {
		t.Fatalf("REST opportunities after replay: %d %s", r.Status, r.Raw)
	}

	// Deleting the role moves its member back to Member: they read again.
	if r := c.gql(admin.Access, `mutation($id: UUID!) { deleteOneRole(roleId: $id) }`, map[string]any{"id": roleID}); r.Status != 200 {
		t.Fatalf("deleteOneRole: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/opportunities", rep.Access, ""); r.Status != 200 {
		t.Fatalf("REST opportunities after the role's deletion: %d %s", r.Status, r.Raw)
	}
}

// The settings pages' API key operations: get, update, and a role assigned
// to a key governs what its token may read.
func TestAPIKeySettings(t *testing.T) {
	c := newClient(t, nil)
	admin := c.signUpAndLogIn("admin@example.com", "admin password", "")
	r := c.gql(admin.Access, `mutation { createApiKey(input: {name: "CI"}) { id role { id label icon } } }`, nil)
	keyID, _ := dig(r.Body, "data", "createApiKey", "id").(string)
	if r.Status != 200 || dig(r.Body, "data", "createApiKey", "role", "label") != "Member" {
		t.Fatalf("createApiKey: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `mutation($in: UpdateApiKeyInput!) { updateApiKey(input: $in) { id name } }`, map[string]any{"in": map[string]any{"id": keyID, "name": "Deploys"}})
	if r.Status != 200 || dig(r.Body, "data", "updateApiKey", "name") != "Deploys" {
		t.Fatalf("updateApiKey: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `query($in: GetApiKeyInput!) { apiKey(input: $in) { id name createdAt } }`, map[string]any{"in": map[string]any{"id": keyID}})
	if r.Status != 200 || dig(r.Body, "data", "apiKey", "name") != "Deploys" {
		t.Fatalf("apiKey: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `mutation { createOneRole(createRoleInput: {label: "Readers of nothing"}) { id } }`, nil)
	roleID := dig(r.Body, "data", "createOneRole", "id").(string)
	r = c.gql(admin.Access, `mutation($k: UUID!, $r: UUID!) { assignRoleToApiKey(apiKeyId: $k, roleId: $r) }`, map[string]any{"k": keyID, "r": roleID})
	if r.Status != 200 || dig(r.Body, "data", "assignRoleToApiKey") != true {
		t.Fatalf("assignRoleToApiKey: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `mutation($k: UUID!, $e: String!) { generateApiKeyToken(apiKeyId: $k, expiresAt: $e) { token } }`,
		map[string]any{"k": keyID, "e": "2099-01-01T00:00:00Z"})
	token, _ := dig(r.Body, "data", "generateApiKeyToken", "token").(string)
	if token == "" {
		t.Fatalf("generateApiKeyToken: %s", r.Raw)
	}
	if r := c.do("GET", "/rest/companies", token, ""); r.Status != 403 {
		t.Fatalf("a key whose role reads nothing: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `query { apiKeys { id role { id label } } }`, nil)
	if dig(r.Body, "data", "apiKeys").([]any)[0].(map[string]any)["role"].(map[string]any)["label"] != "Readers of nothing" {
		t.Fatalf("apiKeys: %s", r.Raw)
	}
	// Deleting the role gives its keys Member again.
	if r := c.gql(admin.Access, `mutation($id: UUID!) { deleteOneRole(roleId: $id) }`, map[string]any{"id": roleID}); r.Status != 200 {
		t.Fatalf("deleteOneRole: %d %s", r.Status, r.Raw)
	}
	if r := c.do("GET", "/rest/companies", token, ""); r.Status != 200 {
		t.Fatalf("a key after its role's deletion: %d %s", r.Status, r.Raw)
	}
}

// firstErr is the first GraphQL error of r (fails when there is none).
func firstErr(t *testing.T, r resp) map[string]any {
	t.Helper()
	errs, _ := dig(r.Body, "errors").([]any)
	if len(errs) == 0 {
		t.Fatalf("no error: %d %s", r.Status, r.Raw)
	}
	return errs[0].(map[string]any)
}

// Field update permissions and settings permission flags are enforced,
// with Twenty's error (FORBIDDEN, subCode PERMISSION_DENIED), and
// currentUser reports the member's role.
func TestFieldUpdateAndSettingsPermissions(t *testing.T) {
	c := newClient(t, nil)
	admin := c.signUpAndLogIn("admin@example.com", "admin password", "")
	r := c.gql(admin.Access, `mutation { createOneRole(createRoleInput: {label: "Ops", canReadAllObjectRecords: true, canUpdateAllObjectRecords: true}) { id } }`, nil)
	roleID := dig(r.Body, "data", "createOneRole", "id").(string)
	company, employees := c.fieldID(admin.Access, "company", "employees")
	r = c.gql(admin.Access, `mutation($in: UpsertFieldPermissionsInput!) { upsertFieldPermissions(upsertFieldPermissionsInput: $in) { id canUpdateFieldValue } }`,
		map[string]any{"in": map[string]any{"roleId": roleID, "fieldPermissions": []any{map[string]any{"objectMetadataId": company, "fieldMetadataId": employees, "canUpdateFieldValue": false}}}})
	if r.Status != 200 {
		t.Fatalf("upsertFieldPermissions: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `mutation { sendInvitations(emails: ["ops@example.com"]) { result { personalInviteToken } } }`, nil)
	invite := dig(r.Body, "data", "sendInvitations", "result").([]any)[0].(map[string]any)["personalInviteToken"].(string)
	ops := c.signUpAndLogIn("ops@example.com", "ops password", invite)
	if r := c.gql(admin.Access, `mutation($id: UUID!, $role: UUID!) { updateWorkspaceMemberRole(workspaceMemberId: $id, roleId: $role) { id } }`,
		map[string]any{"id": mustClaims(t, ops.Access).WorkspaceMemberID, "role": roleID}); r.Status != 200 {
		t.Fatalf("updateWorkspaceMemberRole: %d %s", r.Status, r.Raw)
	}

	// Writing the field is refused on GraphQL and REST; the other fields are not.
	const denied = `User does not have permission: no permission to write field "employees" on "company"`
	r = c.graphql(ops.Access, `mutation { createCompany(data: {name: "Acme", employees: 3}) { id } }`)
	if e := firstErr(t, r); e["message"] != denied || dig(e, "extensions", "code") != "FORBIDDEN" || dig(e, "extensions", "subCode") != "PERMISSION_DENIED" {
		t.Fatalf("GraphQL create with the field: %d %s", r.Status, r.Raw)
	}
	r = c.graphql(ops.Access, `mutation { createCompany(data: {name: "Acme"}) { id } }`)
	id, _ := dig(r.Body, "data", "createCompany", "id").(string)
	if id == "" {
		t.Fatalf("GraphQL create without the field: %s", r.Raw)
	}
	if e := firstErr(t, c.graphql(ops.Access, `mutation { updateCompany(id: "`+id+`", data: {employees: 4}) { id } }`)); e["message"] != denied {
		t.Fatalf("GraphQL update of the field: %v", e)
	}
	if r := c.graphql(ops.Access, `mutation { updateCompany(id: "`+id+`", data: {name: "Acme Inc"}) { name } }`); dig(r.Body, "data", "updateCompany", "name") != "Acme Inc" {
		t.Fatalf("GraphQL update of another field: %s", r.Raw)
	}
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/rest/companies", `{"name":"Beta","employees":5}`},
		{"POST", "/rest/batch/companies", `[{"name":"Beta","employees":5}]`},
		{"PATCH", "/rest/companies/" + id, `{"employees":5}`},
	} {
		r := c.do(w.method, w.path, ops.Access, w.body)
		if r.Status != 403 || dig(r.Body, "messages").([]any)[0] != denied || dig(r.Body, "code") != "PERMISSION_DENIED" {
			t.Fatalf("REST %s %s: %d %s", w.method, w.path, r.Status, r.Raw)
		}
	}
	if r := c.do("POST", "/rest/companies", admin.Access, `{"name":"Gamma","employees":5}`); r.Status != 201 {
		t.Fatalf("an admin writes the field: %d %s", r.Status, r.Raw)
	}

	// Settings need the role's flag: without DATA_MODEL no field; with it, yes.
	createField := `mutation($in: CreateOneFieldMetadataInput!) { createOneField(input: $in) { id } }`
	field := func(name string) map[string]any {
		return map[string]any{"in": map[string]any{"field": map[string]any{"objectMetadataId": company, "type": "TEXT", "name": name, "label": name}}}
	}
	r = c.gql(ops.Access, createField, field("motto"))
	if e := firstErr(t, r); r.Status != 403 || e["message"] != "User does not have permission" || dig(e, "extensions", "subCode") != "PERMISSION_DENIED" {
		t.Fatalf("createOneField without DATA_MODEL: %d %s", r.Status, r.Raw)
	}
	if r := c.gql(ops.Access, `mutation { sendInvitations(emails: ["x@example.com"]) { success } }`, nil); r.Status != 403 ||
		dig(firstErr(t, r), "extensions", "subCode") != "PERMISSION_DENIED" || dig(firstErr(t, r), "extensions", "userFriendlyMessage") != "User does not have permission." {
		t.Fatalf("sendInvitations without WORKSPACE_MEMBERS: %d %s", r.Status, r.Raw)
	}
	r = c.gql(admin.Access, `mutation($in: UpsertPermissionFlagsInput!) { upsertPermissionFlags(upsertPermissionFlagsInput: $in) { flag } }`,
		map[string]any{"in": map[string]any{"roleId": roleID, "permissionFlagKeys": []any{"DATA_MODEL"}}})
	if r.Status != 200 {
		t.Fatalf("upsertPermissionFlags: %d %s", r.Status, r.Raw)
	}
	if r := c.gql(ops.Access, createField, field("motto")); r.Status != 200 || dig(r.Body, "data", "createOneField", "id") == nil {
		t.Fatalf("createOneField with DATA_MODEL: %d %s", r.Status, r.Raw)
	}
	if r := c.gql(ops.Access, `mutation { createOneRole(createRoleInput: {label: "Mine"}) { id } }`, nil); r.Status != 403 {
		t.Fatalf("createOneRole without ROLES: %d %s", r.Status, r.Raw)
	}

	// currentUser says what the role may do.
	r = c.gql(ops.Access, `{ currentUser { currentUserWorkspace { permissionFlags objectsPermissions { objectMetadataId canReadObjectRecords
		canUpdateObjectRecords canSoftDeleteObjectRecords restrictedFields } } workspaceMember { roles { label } } } }`, nil)
	cuw := dig(r.Body, "data", "currentUser", "currentUserWorkspace")
	if fl, _ := dig(cuw, "permissionFlags").([]any); len(fl) != 1 || fl[0] != "DATA_MODEL" {
		t.Fatalf("permissionFlags: %s", r.Raw)
	}
	if dig(r.Body, "data", "currentUser", "workspaceMember", "roles").([]any)[0].(map[string]any)["label"] != "Ops" {
		t.Fatalf("roles: %s", r.Raw)
	}
	found := false
	for _, p := range dig(cuw, "objectsPermissions").([]any) {
		if dig(p, "objectMetadataId") == company {
			found = true
			if dig(p, "canReadObjectRecords") != true || dig(p, "canSoftDeleteObjectRecords") != false ||
				dig(p, "restrictedFields", employees, "canUpdate") != false || dig(p, "restrictedFields", employees, "canRead") != nil {
				t.Fatalf("company permissions: %v", p)
			}
		}
	}
	if !found {
		t.Fatalf("objectsPermissions: %s", r.Raw)
	}
	r = c.gql(admin.Access, `{ currentUser { currentUserWorkspace { permissionFlags } } }`, nil)
	if fl, _ := dig(r.Body, "data", "currentUser", "currentUserWorkspace", "permissionFlags").([]any); len(fl) < 5 {
		t.Fatalf("admin permissionFlags: %s", r.Raw)
	}
}
