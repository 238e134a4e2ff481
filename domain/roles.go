package domain

import (
	"slices"
	"strings"
)

// Roles and their permissions, Twenty's model: a role grants or withholds
// reading, updating, soft-deleting and destroying every object's records,
// overridden per object (object permissions) and per field (field
// permissions: a field without read is not returned). The standard roles
// (Admin, Member) are constants; custom roles are access-log state
// (auth.roleSaved / auth.roleDeleted carry the whole role).

// Access events of roles.
const (
	EventRoleSaved   = "auth.roleSaved"
	EventRoleDeleted = "auth.roleDeleted"
)

// Record actions a role may be granted.
const (
	ActRead       = "read"
	ActUpdate     = "update"
	ActSoftDelete = "softDelete"
	ActDestroy    = "destroy"
)

// ObjectPermission overrides a role's record permissions for one object.
type ObjectPermission struct {
	ObjectMetadataID string `msgpack:"objectMetadataId" json:"objectMetadataId"`
	CanRead          bool   `msgpack:"canRead" json:"canReadObjectRecords"`
	CanUpdate        bool   `msgpack:"canUpdate" json:"canUpdateObjectRecords"`
	CanSoftDelete    bool   `msgpack:"canSoftDelete" json:"canSoftDeleteObjectRecords"`
	CanDestroy       bool   `msgpack:"canDestroy" json:"canDestroyObjectRecords"`
}

// FieldPermission restricts one field for a role (nil: not restricted).
type FieldPermission struct {
	ID               string `msgpack:"id" json:"id"`
	ObjectMetadataID string `msgpack:"objectMetadataId" json:"objectMetadataId"`
	FieldMetadataID  string `msgpack:"fieldMetadataId" json:"fieldMetadataId"`
	CanRead          *bool  `msgpack:"canRead" json:"canReadFieldValue"`
	CanUpdate        *bool  `msgpack:"canUpdate" json:"canUpdateFieldValue"`
}

// Role is a role and its permissions.
type Role struct {
	ID                   string             `msgpack:"id"`
	Label                string             `msgpack:"label"`
	Description          string             `msgpack:"description"`
	Icon                 string             `msgpack:"icon"`
	CanUpdateAllSettings bool               `msgpack:"canUpdateAllSettings"`
	CanReadAll           bool               `msgpack:"canReadAll"`
	CanUpdateAll         bool               `msgpack:"canUpdateAll"`
	CanSoftDeleteAll     bool               `msgpack:"canSoftDeleteAll"`
	CanDestroyAll        bool               `msgpack:"canDestroyAll"`
	Objects              []ObjectPermission `msgpack:"objects"`
	Fields               []FieldPermission  `msgpack:"fields"`
	Flags                []string           `msgpack:"flags"`
}

// Role event payloads.
type (
	RoleSaved struct {
		Role Role `msgpack:"role"`
	}
	RoleDeleted struct {
		ID string `msgpack:"id"`
	}
)

// StandardRole returns the standard role named name (admin, member), or nil.
func StandardRole(name string) *Role {
	if name != RoleAdmin && name != RoleMember {
		return nil
	}
	return &Role{ID: RoleID(name), Label: RoleLabel(name), Description: RoleLabel(name) + " role", Icon: "IconUser",
		CanUpdateAllSettings: name == RoleAdmin, CanReadAll: true, CanUpdateAll: true, CanSoftDeleteAll: true, CanDestroyAll: true}
}

// IsStandard reports whether r is a standard role (not editable).
func (r *Role) IsStandard() bool { return r.ID == RoleID(RoleAdmin) || r.ID == RoleID(RoleMember) }

// Can reports whether r may do act on the records of object objectID: the
// object's own permission when the role has one, else the role's default.
func (r *Role) Can(objectID, act string) bool {
	for _, o := range r.Objects {
		if o.ObjectMetadataID == objectID {
			return pick(act, o.CanRead, o.CanUpdate, o.CanSoftDelete, o.CanDestroy)
		}
	}
	return pick(act, r.CanReadAll, r.CanUpdateAll, r.CanSoftDeleteAll, r.CanDestroyAll)
}

func pick(act string, read, update, softDelete, destroy bool) bool {
	switch act {
	case ActRead:
		return read
	case ActUpdate:
		return update
	case ActSoftDelete:
		return softDelete
	case ActDestroy:
		return destroy
	}
	return false
}

// HiddenFields are the field ids of object objectID r may not read.
func (r *Role) HiddenFields(objectID string) map[string]bool {
	var out map[string]bool
	for _, f := range r.Fields {
		if f.ObjectMetadataID == objectID && f.CanRead != nil && !*f.CanRead {
			if out == nil {
				out = map[string]bool{}
			}
			out[f.FieldMetadataID] = true
		}
	}
	return out
}

// Unreadable are the names of obj's fields r may not read: those whose
// read permission is off and relations to objects r may not read, with
// their join columns (companyId). Every API hides and refuses by this one
// rule.
func (r *Role) Unreadable(schema *Schema, obj *Object) map[string]bool {
	if r.CanReadAll && len(r.Objects) == 0 && len(r.Fields) == 0 {
		return nil // reads everything (the standard roles)
	}
	ids := r.HiddenFields(obj.ID)
	var out map[string]bool
	for _, f := range obj.Fields {
		hide := ids[f.ID]
		if !hide && f.Relation != nil && schema != nil {
			t := schema.Object(f.Relation.TargetObject)
			hide = t != nil && !r.Can(t.ID, ActRead)
		}
		if !hide {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[f.Name] = true
		if f.Relation != nil && f.Relation.Type == ManyToOne {
			out[f.JoinColumn()] = true
		}
	}
	return out
}

// CheckQuery refuses (Twenty's error naming the field) a filter or order
// of obj's records that names a field r may not read: which records match
// would leak its values.
func (r *Role) CheckQuery(schema *Schema, obj *Object, filter map[string]any, orderBy []map[string]any) error {
	hidden := r.Unreadable(schema, obj)
	var keys []string
	for _, o := range orderBy {
		for k := range o {
			keys = append(keys, k)
		}
	}
	for k, v := range filter {
		var subs []any
		switch x := v.(type) {
		case []any:
			subs = x
		case []map[string]any:
			for _, m := range x {
				subs = append(subs, m)
			}
		case map[string]any:
			subs = []any{x}
		}
		sub := obj
		if k != "and" && k != "or" && k != "not" {
			keys = append(keys, k)
			sub = nil // a relation filter names fields of its target
			if f := obj.Field(k); f != nil && f.Relation != nil && schema != nil && !hidden[k] {
				sub = schema.Object(f.Relation.TargetObject)
			}
		}
		for _, s := range subs {
			if m, ok := s.(map[string]any); ok && sub != nil {
				if err := r.CheckQuery(schema, sub, m, nil); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range keys {
		if hidden[k] {
			return DeniedRead(obj, k)
		}
	}
	return nil
}

// DeniedRead is Twenty's permission error for reading field of obj.
func DeniedRead(obj *Object, field string) error {
	return Denied(`no permission to read field "` + field + `" on "` + obj.NameSingular + `"`)
}

// Check returns Twenty's permission error when r may not do act on object
// objectID (nil when it may).
func (r *Role) Check(objectID, act string) error {
	if r.Can(objectID, act) {
		return nil
	}
	return Denied("")
}

// PermissionDenied is Twenty's message for a refused operation
// (PermissionsExceptionMessage.PERMISSION_DENIED), CodePermissionDenied its code.
const (
	PermissionDenied     = "User does not have permission"
	CodePermissionDenied = "PERMISSION_DENIED"
	UserFriendlyDenied   = "User does not have permission." // its GraphQL userFriendlyMessage
)

// Denied is Twenty's permission error; detail, when given, follows the
// message as in Twenty's field permission errors.
func Denied(detail string) *ForbiddenError {
	msg := PermissionDenied
	if detail != "" {
		msg += ": " + detail
	}
	return &ForbiddenError{Message: msg, Code: CodePermissionDenied}
}

// CheckWrite refuses (Twenty's error naming the field) data, a create or
// update input of obj, when it sets a field r may not update.
func (r *Role) CheckWrite(obj *Object, data map[string]any) error {
	for _, p := range r.Fields {
		if p.ObjectMetadataID != obj.ID || p.CanUpdate == nil || *p.CanUpdate {
			continue
		}
		for _, f := range obj.Fields {
			if f.ID != p.FieldMetadataID {
				continue
			}
			_, set := data[f.Name]
			if f.Type == TypeRelation && !set {
				_, set = data[f.JoinColumn()]
			}
			if set {
				return Denied(`no permission to write field "` + f.Name + `" on "` + obj.NameSingular + `"`)
			}
		}
	}
	return nil
}

// Settings permission flags (Twenty's PermissionFlagType) this deployment
// guards: each settings operation needs one.
const (
	FlagAPIKeysAndWebhooks = "API_KEYS_AND_WEBHOOKS"
	FlagWorkspace          = "WORKSPACE"
	FlagWorkspaceMembers   = "WORKSPACE_MEMBERS"
	FlagRoles              = "ROLES"
	FlagDataModel          = "DATA_MODEL"
	FlagSecurity           = "SECURITY"
	FlagWorkflows          = "WORKFLOWS"
)

// SettingsFlags are the flags a role that may update all settings holds.
var SettingsFlags = []string{FlagAPIKeysAndWebhooks, FlagWorkspace, FlagWorkspaceMembers, FlagRoles, FlagDataModel, FlagSecurity, FlagWorkflows}

// HasFlag reports whether r holds settings permission flag (every flag
// when it may update all settings, as Twenty's Admin).
func (r *Role) HasFlag(flag string) bool {
	return r.CanUpdateAllSettings || slices.Contains(r.Flags, flag)
}

// CheckFlag returns Twenty's permission error when r lacks flag.
func (r *Role) CheckFlag(flag string) error {
	if r.HasFlag(flag) {
		return nil
	}
	return Denied("")
}

// Role commands.
type (
	// SaveRole creates (Create) or replaces a custom role.
	SaveRole struct {
		Role   Role
		Create bool
	}
	// DeleteRole deletes a custom role; its members fall back to Member.
	DeleteRole struct{ ID string }
)

func (c SaveRole) decide(s AccessState) ([]Change, error) {
	r := c.Role
	r.Label = strings.TrimSpace(r.Label)
	if r.Label == "" {
		return nil, invalid("label", RuleRequired, "label is required")
	}
	if !IsUUID(r.ID) {
		return nil, invalid("id", "uuid", "id must be a UUID")
	}
	if r.IsStandard() {
		return nil, &ForbiddenError{Message: "Standard roles cannot be edited."}
	}
	old, err := s.Role(r.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Create && old != nil:
		return nil, &ExistsError{Message: "a role with this id already exists"}
	case !c.Create && old == nil:
		return nil, &NotFoundError{Object: "role", ID: r.ID}
	}
	return change(EventRoleSaved, RoleSaved{Role: r}), nil
}

func (c DeleteRole) decide(s AccessState) ([]Change, error) {
	if c.ID == RoleID(RoleAdmin) || c.ID == RoleID(RoleMember) {
		return nil, &ForbiddenError{Message: "Standard roles cannot be deleted."}
	}
	old, err := s.Role(c.ID)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, &NotFoundError{Object: "role", ID: c.ID}
	}
	ms, err := s.Members()
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, m := range ms {
		if m.Role == c.ID {
			out = append(out, Change{Type: EventMemberRoleChanged, Payload: MemberRoleChanged{MemberID: m.MemberID, Role: RoleMember}})
		}
	}
	return append(out, Change{Type: EventRoleDeleted, Payload: RoleDeleted{ID: c.ID}}), nil
}

// ResolveRole returns the role a member's role value names (a standard
// role's name, or a custom role's id), or an error wrapping ErrNotFound.
func ResolveRole(s AccessState, role string) (*Role, error) {
	if r := StandardRole(role); r != nil {
		return r, nil
	}
	if name, ok := ParseRole(role); ok {
		return StandardRole(name), nil
	}
	r, err := s.Role(strings.ToLower(role))
	if err == nil && r == nil {
		err = &NotFoundError{Object: "role", ID: role}
	}
	return r, err
}

// MemberRoleValue is what a member's role column holds for r.
func MemberRoleValue(r *Role) string {
	if name, ok := ParseRole(r.ID); ok {
		return name
	}
	return r.ID
}

// API key events of the settings pages.
const (
	EventAPIKeyUpdated      = "auth.apiKeyUpdated"
	EventAPIKeyRoleAssigned = "auth.apiKeyRoleAssigned"
)

// API key payloads.
type (
	APIKeyUpdated struct {
		ID        string `msgpack:"id"`
		Name      string `msgpack:"name"`
		ExpiresAt string `msgpack:"expiresAt"`
	}
	APIKeyRoleAssigned struct {
		ID   string `msgpack:"id"`
		Role string `msgpack:"role"` // as a member's role value
	}
)

// API key commands.
type (
	UpdateAPIKey     struct{ ID, Name, ExpiresAt string }
	AssignAPIKeyRole struct{ ID, Role string }
)

func (c UpdateAPIKey) decide(s AccessState) ([]Change, error) {
	k, err := s.APIKey(c.ID)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, &NotFoundError{Object: "API key", ID: c.ID}
	}
	name := strings.TrimSpace(c.Name)
	if name == "" {
		name = k.Name
	}
	exp := c.ExpiresAt
	if exp == "" {
		exp = k.ExpiresAt
	}
	return change(EventAPIKeyUpdated, APIKeyUpdated{ID: c.ID, Name: name, ExpiresAt: exp}), nil
}

func (c AssignAPIKeyRole) decide(s AccessState) ([]Change, error) {
	k, err := s.APIKey(c.ID)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, &NotFoundError{Object: "API key", ID: c.ID}
	}
	r, err := ResolveRole(s, c.Role)
	if err != nil {
		return nil, invalid("roleId", "role", "unknown roleId")
	}
	return change(EventAPIKeyRoleAssigned, APIKeyRoleAssigned{ID: c.ID, Role: MemberRoleValue(r)}), nil
}
