package accounts

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/sqldb"
)

// Roles and permissions operations (Twenty's names) over domain/roles.go,
// and RoleOf: the role a principal's role value names, which the record
// APIs check (object and field permissions).
const (
	OpCreateOneRole           = "createOneRole"
	OpUpdateOneRole           = "updateOneRole"
	OpDeleteOneRole           = "deleteOneRole"
	OpUpsertObjectPermissions = "upsertObjectPermissions"
	OpUpsertFieldPermissions  = "upsertFieldPermissions"
	OpUpsertPermissionFlags   = "upsertPermissionFlags"
	OpAPIKey                  = "apiKey"
	OpUpdateAPIKey            = "updateApiKey"
	OpAssignRoleToAPIKey      = "assignRoleToApiKey"
)

var roleOps = []string{OpCreateOneRole, OpUpdateOneRole, OpDeleteOneRole, OpUpsertObjectPermissions, OpUpsertFieldPermissions, OpUpsertPermissionFlags,
	OpAPIKey, OpUpdateAPIKey, OpAssignRoleToAPIKey}

// RoleOps are the role operations' names (the edge's pre-filter).
func RoleOps() []string { return roleOps }

func init() {
	for _, op := range roleOps {
		adminOps[op] = domain.FlagRoles
	}
	for _, op := range []string{OpAPIKey, OpUpdateAPIKey, OpAssignRoleToAPIKey} {
		adminOps[op] = domain.FlagAPIKeysAndWebhooks
	}
}

// Role returns custom role id (nil when unknown): domain.AccessState.
func (a *Access) Role(id string) (*domain.Role, error) { return loadRole(a.W.DB, id) }

func loadRole(db sqldb.DB, id string) (*domain.Role, error) {
	rows, err := db.Exec(`SELECT body FROM _auth_roles WHERE id = ?`, id)
	if err != nil || len(rows.Values) == 0 {
		return nil, err
	}
	var r domain.Role
	if err := json.Unmarshal([]byte(sqldb.AsString(rows.Values[0][0])), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// RoleOf returns the role a principal's role value names (a standard
// role's name or a custom role's id). An unknown value grants nothing.
func RoleOf(w *durable.Workspace, role string) (*domain.Role, error) {
	r, err := domain.ResolveRole(OpenAccess(w), role)
	if errors.Is(err, domain.ErrNotFound) {
		return &domain.Role{ID: role}, nil
	}
	return r, err
}

// roleOp answers the role operations (the caller holds their flag: adminOps).
func (a *Access) roleOp(actor, op string, args map[string]any) (*AccessReply, error) {
	switch op {
	case OpCreateOneRole:
		in := argMap(args, "createRoleInput")
		r := domain.Role{ID: strings.ToLower(str(in, "id"))}
		if r.ID == "" {
			r.ID = durable.NewRecordID(a.W.Now())
		}
		applyRoleInput(&r, in)
		if err := a.execute(actor, domain.SaveRole{Role: r, Create: true}); err != nil {
			return nil, err
		}
		return a.roleReply(r.ID)
	case OpUpdateOneRole:
		in := argMap(args, "updateRoleInput")
		r, err := a.customRole(str(in, "id"))
		if err != nil {
			return nil, err
		}
		applyRoleInput(r, argMap(in, "update"))
		if err := a.execute(actor, domain.SaveRole{Role: *r}); err != nil {
			return nil, err
		}
		return a.roleReply(r.ID)
	case OpDeleteOneRole:
		id := str(args, "roleId")
		if err := a.execute(actor, domain.DeleteRole{ID: id}); err != nil {
			return nil, err
		}
		return &AccessReply{Result: id}, nil
	case OpUpsertObjectPermissions:
		in := argMap(args, "upsertObjectPermissionsInput")
		r, err := a.customRole(str(in, "roleId"))
		if err != nil {
			return nil, err
		}
		list, _ := in["objectPermissions"].([]any)
		for _, x := range list {
			upsertObject(r, x.(map[string]any))
		}
		if err := a.execute(actor, domain.SaveRole{Role: *r}); err != nil {
			return nil, err
		}
		return &AccessReply{Result: objectPermissionsJSON(r)}, nil
	case OpUpsertFieldPermissions:
		in := argMap(args, "upsertFieldPermissionsInput")
		r, err := a.customRole(str(in, "roleId"))
		if err != nil {
			return nil, err
		}
		list, _ := in["fieldPermissions"].([]any)
		for _, x := range list {
			upsertField(r, x.(map[string]any), a.W)
		}
		if err := a.execute(actor, domain.SaveRole{Role: *r}); err != nil {
			return nil, err
		}
		return &AccessReply{Result: fieldPermissionsJSON(r)}, nil
	case OpAPIKey:
		key, err := a.apiKey(str(argMap(args, "input"), "id"))
		if err != nil {
			return nil, err
		}
		return &AccessReply{Result: key}, nil
	case OpUpdateAPIKey:
		in := argMap(args, "input")
		id, exp := str(in, "id"), ""
		if s := str(in, "expiresAt"); s != "" {
			t, err := parseTime(s)
			if err != nil {
				return nil, auth.Errorf(400, auth.CodeBadInput, "expiresAt must be an ISO-8601 date")
			}
			exp = t.Format(time.RFC3339)
		}
		if err := a.execute(actor, domain.UpdateAPIKey{ID: id, Name: str(in, "name"), ExpiresAt: exp}); err != nil {
			return nil, err
		}
		key, err := a.apiKey(id)
		if err != nil {
			return nil, err
		}
		return &AccessReply{Result: key, KVDelete: []string{auth.APIKeyCacheKey(id)}}, nil
	case OpAssignRoleToAPIKey:
		id := str(args, "apiKeyId")
		if err := a.execute(actor, domain.AssignAPIKeyRole{ID: id, Role: str(args, "roleId")}); err != nil {
			return nil, err
		}
		return &AccessReply{Result: true, KVDelete: []string{auth.APIKeyCacheKey(id)}}, nil
	case OpUpsertPermissionFlags:
		in := argMap(args, "upsertPermissionFlagsInput")
		r, err := a.customRole(str(in, "roleId"))
		if err != nil {
			return nil, err
		}
		keys, _ := in["permissionFlagKeys"].([]any)
		r.Flags = r.Flags[:0]
		for _, k := range keys {
			r.Flags = append(r.Flags, k.(string))
		}
		if err := a.execute(actor, domain.SaveRole{Role: *r}); err != nil {
			return nil, err
		}
		return &AccessReply{Result: flagsJSON(r)}, nil
	}
	return nil, auth.Errorf(400, auth.CodeBadInput, "unknown operation %q", op)
}

// customRole loads an editable role (standard roles are refused).
func (a *Access) customRole(id string) (*domain.Role, error) {
	if _, ok := domain.ParseRole(id); ok {
		return nil, &domain.ForbiddenError{Message: "Standard roles cannot be edited."}
	}
	r, err := a.Role(strings.ToLower(id))
	if err == nil && r == nil {
		err = &domain.NotFoundError{Object: "role", ID: id}
	}
	return r, err
}

func (a *Access) roleReply(id string) (*AccessReply, error) {
	r, err := a.Role(id)
	if err != nil {
		return nil, err
	}
	return &AccessReply{Result: fullRoleJSON(r)}, nil
}

func applyRoleInput(r *domain.Role, in map[string]any) {
	setStr := func(k string, p *string) {
		if v, ok := in[k].(string); ok {
			*p = v
		}
	}
	setBool := func(k string, p *bool) {
		if v, ok := in[k].(bool); ok {
			*p = v
		}
	}
	setStr("label", &r.Label)
	setStr("description", &r.Description)
	setStr("icon", &r.Icon)
	setBool("canUpdateAllSettings", &r.CanUpdateAllSettings)
	setBool("canReadAllObjectRecords", &r.CanReadAll)
	setBool("canUpdateAllObjectRecords", &r.CanUpdateAll)
	setBool("canSoftDeleteAllObjectRecords", &r.CanSoftDeleteAll)
	setBool("canDestroyAllObjectRecords", &r.CanDestroyAll)
}

// upsertObject sets one object permission; a flag left out keeps its value
// (or the role's default for a new entry).
func upsertObject(r *domain.Role, in map[string]any) {
	id := strings.ToLower(str(in, "objectMetadataId"))
	i := 0
	for i < len(r.Objects) && r.Objects[i].ObjectMetadataID != id {
		i++
	}
	if i == len(r.Objects) {
		r.Objects = append(r.Objects, domain.ObjectPermission{ObjectMetadataID: id, CanRead: r.CanReadAll, CanUpdate: r.CanUpdateAll,
			CanSoftDelete: r.CanSoftDeleteAll, CanDestroy: r.CanDestroyAll})
	}
	o := &r.Objects[i]
	for k, p := range map[string]*bool{"canReadObjectRecords": &o.CanRead, "canUpdateObjectRecords": &o.CanUpdate,
		"canSoftDeleteObjectRecords": &o.CanSoftDelete, "canDestroyObjectRecords": &o.CanDestroy} {
		if v, ok := in[k].(bool); ok {
			*p = v
		}
	}
}

func upsertField(r *domain.Role, in map[string]any, w *durable.Workspace) {
	obj, field := strings.ToLower(str(in, "objectMetadataId")), strings.ToLower(str(in, "fieldMetadataId"))
	i := 0
	for i < len(r.Fields) && r.Fields[i].FieldMetadataID != field {
		i++
	}
	if i == len(r.Fields) {
		r.Fields = append(r.Fields, domain.FieldPermission{ID: durable.NewRecordID(w.Now()), ObjectMetadataID: obj, FieldMetadataID: field})
	}
	f := &r.Fields[i]
	if v, ok := in["canReadFieldValue"].(bool); ok {
		f.CanRead = &v
	}
	if v, ok := in["canUpdateFieldValue"].(bool); ok {
		f.CanUpdate = &v
	}
}

func objectPermissionsJSON(r *domain.Role) []any {
	out := []any{}
	for _, o := range r.Objects {
		out = append(out, map[string]any{"objectMetadataId": o.ObjectMetadataID, "canReadObjectRecords": o.CanRead,
			"canUpdateObjectRecords": o.CanUpdate, "canSoftDeleteObjectRecords": o.CanSoftDelete, "canDestroyObjectRecords": o.CanDestroy,
			"restrictedFields": RestrictedFields(r, o.ObjectMetadataID), "rowLevelPermissionPredicates": []any{}, "rowLevelPermissionPredicateGroups": []any{}})
	}
	return out
}

// RestrictedFields are r's field permissions on object objectID as
// Twenty's restrictedFields: field id → {canRead, canUpdate}.
func RestrictedFields(r *domain.Role, objectID string) map[string]any {
	out := map[string]any{}
	for _, f := range r.Fields {
		if f.ObjectMetadataID == objectID {
			out[f.FieldMetadataID] = map[string]any{"canRead": f.CanRead, "canUpdate": f.CanUpdate}
		}
	}
	return out
}

func fieldPermissionsJSON(r *domain.Role) []any {
	out := []any{}
	for _, f := range r.Fields {
		out = append(out, map[string]any{"id": f.ID, "roleId": r.ID, "objectMetadataId": f.ObjectMetadataID, "fieldMetadataId": f.FieldMetadataID,
			"canReadFieldValue": f.CanRead, "canUpdateFieldValue": f.CanUpdate})
	}
	return out
}

func flagsJSON(r *domain.Role) []any {
	out := []any{}
	for _, f := range r.Flags {
		out = append(out, map[string]any{"id": domain.RoleID(r.ID + ":" + f), "roleId": r.ID, "flag": f})
	}
	return out
}

// fullRoleJSON is a role as Twenty's Role type.
func fullRoleJSON(r *domain.Role) map[string]any {
	return map[string]any{"id": r.ID, "label": r.Label, "description": r.Description, "icon": r.Icon,
		"canUpdateAllSettings": r.CanUpdateAllSettings, "canAccessAllTools": false, "isEditable": !r.IsStandard(),
		"canReadAllObjectRecords": r.CanReadAll, "canUpdateAllObjectRecords": r.CanUpdateAll,
		"canSoftDeleteAllObjectRecords": r.CanSoftDeleteAll, "canDestroyAllObjectRecords": r.CanDestroyAll,
		"canBeAssignedToUsers": true, "canBeAssignedToAgents": false, "canBeAssignedToApiKeys": true,
		"apiKeys": []any{}, "agents": []any{}, "permissionFlags": flagsJSON(r), "objectPermissions": objectPermissionsJSON(r),
		"fieldPermissions": fieldPermissionsJSON(r), "rowLevelPermissionPredicates": []any{}, "rowLevelPermissionPredicateGroups": []any{}}
}

// roles lists the standard roles then the custom ones (getRoles), each
// with its members and API keys.
func (a *Access) roles() ([]any, error) {
	list := []*domain.Role{domain.StandardRole(domain.RoleAdmin), domain.StandardRole(domain.RoleMember)}
	rows, err := a.W.DB.Exec(`SELECT id FROM _auth_roles ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for _, row := range rows.Values {
		r, err := a.Role(sqldb.AsString(row[0]))
		if err != nil {
			return nil, err
		}
		list = append(list, r)
	}
	members, err := a.Members()
	if err != nil {
		return nil, err
	}
	keys, err := a.W.DB.Exec(`SELECT id, name, expires_at, revoked_at, coalesce(role, 'member') FROM _auth_api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, r := range list {
		value := domain.MemberRoleValue(r)
		j := fullRoleJSON(r)
		ms, ks := []any{}, []any{}
		for _, m := range members {
			if m.Role == value {
				// The member's name and avatar are its workspaceMember record's.
				rec, err := a.W.RecordData("workspaceMember", m.MemberID)
				if err != nil {
					return nil, err
				}
				name, _ := rec["name"].(map[string]any)
				first, _ := name["firstName"].(string)
				last, _ := name["lastName"].(string)
				ms = append(ms, map[string]any{"id": m.MemberID, "userId": m.UserID, "userEmail": m.Email, "userWorkspaceId": m.MemberID,
					"name": map[string]any{"firstName": first, "lastName": last}, "avatarUrl": rec["avatarUrl"]})
			}
		}
		for _, k := range keys.Values {
			if sqldb.AsString(k[4]) == value {
				var revoked any
				if k[3] != nil {
					revoked = isoTime(sqldb.AsString(k[3]))
				}
				ks = append(ks, map[string]any{"id": sqldb.AsString(k[0]), "name": sqldb.AsString(k[1]), "expiresAt": isoTime(sqldb.AsString(k[2])), "revokedAt": revoked})
			}
		}
		j["workspaceMembers"], j["apiKeys"] = ms, ks
		out = append(out, j)
	}
	return out, nil
}

// roleValueJSON renders a member's (or API key's) role value as a Role.
func (a *Access) roleValueJSON(role string) map[string]any {
	r, err := domain.ResolveRole(a, role)
	if err != nil || r == nil {
		return roleJSON(role)
	}
	return fullRoleJSON(r)
}
