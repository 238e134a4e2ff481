package domain

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
)

// Metadata commands and events: custom objects and custom fields. A metadata
// command is decided against the current schema (DecideMetadata) into
// events; ApplyMetadata is the one definition of what each event does to a
// schema, used by the deciding side (to check its own result), by the
// projector (to keep its schema current while it emits DDL) and by anything
// that rebuilds the schema of an older sequence number from the log.

// Metadata event types. Record events are "<object>.<action>", so "object"
// and "field" are reserved object names.
const (
	EventObjectUpdated = "object.updated"
	EventObjectDeleted = "object.deleted"
	EventFieldCreated  = "field.created"
	EventFieldUpdated  = "field.updated"
	EventFieldDeleted  = "field.deleted"
)

// MetadataEventTypes lists every metadata event type, in a fixed order.
var MetadataEventTypes = []string{
	EventObjectCreated, EventObjectUpdated, EventObjectDeleted,
	EventFieldCreated, EventFieldUpdated, EventFieldDeleted,
	EventIndexCreated, EventIndexDeleted,
}

// IsMetadataEvent reports whether typ changes the schema.
func IsMetadataEvent(typ string) bool {
	switch typ {
	case EventObjectCreated, EventObjectUpdated, EventObjectDeleted,
		EventFieldCreated, EventFieldUpdated, EventFieldDeleted, EventIndexCreated, EventIndexDeleted:
		return true
	}
	return false
}

// Metadata event payloads (msgpack). Object and field names ride along with
// the ids for readers of the log (webhooks, workflows); ids are what
// ApplyMetadata goes by.
type (
	// ObjectUpdated changes an object's presentation; nil members are unchanged.
	ObjectUpdated struct {
		ObjectID string      `msgpack:"objectId"`
		Object   string      `msgpack:"object"`
		Set      ObjectPatch `msgpack:"set"`
	}
	// ObjectDeleted removes an object and its table. Relations touching it
	// are removed by field.deleted events before it.
	ObjectDeleted struct {
		ObjectID string `msgpack:"objectId"`
		Object   string `msgpack:"object"`
	}
	// FieldCreated adds Field to the object; for a RELATION, Inverse is the
	// other side, added to InverseObjectID (which may be the same object).
	FieldCreated struct {
		ObjectID        string `msgpack:"objectId"`
		Object          string `msgpack:"object"`
		Field           *Field `msgpack:"field"`
		InverseObjectID string `msgpack:"inverseObjectId,omitempty"`
		InverseObject   string `msgpack:"inverseObject,omitempty"`
		Inverse         *Field `msgpack:"inverse,omitempty"`
	}
	// FieldUpdated changes one field; nil members are unchanged. Renaming a
	// RELATION side also renames the inverse's Relation.TargetField.
	FieldUpdated struct {
		ObjectID string     `msgpack:"objectId"`
		Object   string     `msgpack:"object"`
		FieldID  string     `msgpack:"fieldId"`
		Field    string     `msgpack:"field"` // name before the update
		Set      FieldPatch `msgpack:"set"`
	}
	// FieldDeleted removes a field (its columns) and, for a RELATION, the
	// inverse side on InverseObjectID.
	FieldDeleted struct {
		ObjectID        string `msgpack:"objectId"`
		Object          string `msgpack:"object"`
		FieldID         string `msgpack:"fieldId"`
		Field           string `msgpack:"field"`
		InverseObjectID string `msgpack:"inverseObjectId,omitempty"`
		InverseObject   string `msgpack:"inverseObject,omitempty"`
		InverseFieldID  string `msgpack:"inverseFieldId,omitempty"`
		InverseField    string `msgpack:"inverseField,omitempty"`
	}
)

// ObjectPatch is the changeable part of an object; nil members are unchanged.
type ObjectPatch struct {
	LabelSingular   *string `msgpack:"labelSingular,omitempty"`
	LabelPlural     *string `msgpack:"labelPlural,omitempty"`
	Description     *string `msgpack:"description,omitempty"`
	Icon            *string `msgpack:"icon,omitempty"`
	IsActive        *bool   `msgpack:"isActive,omitempty"`
	LabelIdentifier *string `msgpack:"labelIdentifier,omitempty"` // a field name
	// Searchable replaces the fields the search vector is built from (no
	// API sets it: the standard objects' upgrade does).
	Searchable *[]string `msgpack:"searchable,omitempty"`
	// ReindexSearch rebuilds the object's search index from its table in
	// the current layout; the schema does not change (no API sets it: a
	// workspace's search upgrade does).
	ReindexSearch bool `msgpack:"reindexSearch,omitempty"`
}

// FieldPatch is the changeable part of a field; nil members are unchanged.
// DefaultValue applies only when SetDefaultValue is true (so that a patch
// can set it to null).
type FieldPatch struct {
	Name            *string         `msgpack:"name,omitempty"`
	Label           *string         `msgpack:"label,omitempty"`
	Description     *string         `msgpack:"description,omitempty"`
	Icon            *string         `msgpack:"icon,omitempty"`
	IsActive        *bool           `msgpack:"isActive,omitempty"`
	IsNullable      *bool           `msgpack:"isNullable,omitempty"`
	IsUnique        *bool           `msgpack:"isUnique,omitempty"`
	Options         *[]SelectOption `msgpack:"options,omitempty"`
	SetDefaultValue bool            `msgpack:"setDefaultValue,omitempty"`
	DefaultValue    any             `msgpack:"defaultValue,omitempty"`
}

// MetadataCommand is a change to a workspace's objects and fields.
type MetadataCommand interface{ metadataCommand() }

// CreateObject adds a custom object. Empty names are derived from the labels.
type CreateObject struct {
	NameSingular, NamePlural   string
	LabelSingular, LabelPlural string
	Description, Icon          string
}

// UpdateObject changes an object's labels, description, icon, isActive or
// label identifier. Names cannot change (record event types carry them).
type UpdateObject struct {
	ID                       string
	Set                      ObjectPatch
	NameSingular, NamePlural *string // refused unless unchanged
}

// DeleteObject removes a custom object, its table and every relation
// touching it (both sides).
type DeleteObject struct{ ID string }

// RelationInput is Twenty's relationCreationPayload. Type is the type of the
// field being created; the inverse, on the target, gets the other type.
type RelationInput struct {
	TargetObjectID   string
	TargetFieldLabel string
	TargetFieldIcon  string
	TargetFieldName  string // optional; derived from TargetFieldLabel
	Type             RelationType
	OnDelete         OnDelete // optional; SET_NULL
}

// CreateField adds a field (custom) to an object. An empty Name is derived
// from Label; IsNullable defaults to true.
type CreateField struct {
	ObjectID     string
	Name, Label  string
	Description  string
	Icon         string
	Type         FieldType
	IsNullable   *bool
	IsUnique     bool
	DefaultValue any
	Options      []SelectOption
	Relation     *RelationInput
}

// UpdateField changes a field. Names of standard fields cannot change.
type UpdateField struct {
	ID  string
	Set FieldPatch
}

// DeleteField removes a custom field; a RELATION goes with its inverse.
type DeleteField struct{ ID string }

func (CreateObject) metadataCommand() {}
func (UpdateObject) metadataCommand() {}
func (DeleteObject) metadataCommand() {}
func (CreateField) metadataCommand()  {}
func (UpdateField) metadataCommand()  {}
func (DeleteField) metadataCommand()  {}

// Validation rules of metadata commands (ValidationError.Rule).
const (
	RuleName          = "name"          // not camelCase ^[a-z][a-zA-Z0-9]*$, or too long
	RuleReserved      = "reserved"      // a reserved word
	RuleUnique        = "unique"        // the name (or a column it makes) is taken
	RuleSameNames     = "same_names"    // nameSingular equals namePlural
	RuleStandard      = "standard"      // standard objects and fields cannot be deleted or renamed
	RuleRelation      = "relation"      // bad relationCreationPayload
	RuleOptions       = "options"       // bad SELECT / MULTI_SELECT options
	RuleDefaultValue  = "default_value" // default value does not fit the field
	RuleFieldType     = "field_type"    // unknown type, or a change the type does not allow
	RuleImmutable     = "immutable"     // the property cannot change
	RuleLabelIdentity = "label_identifier"
)

// MaxMetadataNameLength is the longest object or field name (Postgres' limit,
// which Twenty keeps).
const MaxMetadataNameLength = 63

// reservedNames may name neither objects nor fields: system columns, GraphQL
// and filter words, and names of the generated GraphQL types.
var reservedNames = toSet(
	// system fields and internal columns
	"id", "createdAt", "updatedAt", "deletedAt", "createdBy", "updatedBy", "position", "searchVector",
	// filter and GraphQL grammar
	"and", "or", "not", "is", "null", "true", "false", "query", "mutation", "subscription",
	"fragment", "on", "typename", "schema", "type", "input", "enum", "scalar", "interface", "union",
	"directive", "extend", "implements",
	// connection shapes
	"edge", "edges", "node", "nodes", "cursor", "pageInfo", "totalCount", "connection",
)

// reservedObjectNames may not name objects: record event types are
// "<object>.<action>", REST paths are /rest/<plural>, and GraphQL types are
// named after objects (composite and scalar type names would clash).
var reservedObjectNames = toSet(
	"object", "objects", "field", "fields", "metadata", "batch", "event", "events", "relation", "relations",
	"index", "indexes", "view", "views", "viewField", "viewFields", "viewFilter", "viewFilters",
	"viewFilterGroup", "viewFilterGroups", "viewGroup", "viewGroups", "viewSort", "viewSorts", "viewFieldGroup", "viewFieldGroups", "option", "options", "settings", "graphql", "rest", "admin",
	"user", "users", "workspace", "workspaces", "userWorkspace", "userWorkspaces", "appToken", "appTokens",
	"featureFlag", "featureFlags", "billingSubscription", "billingSubscriptions", "apiKey", "apiKeys",
	"webhook", "webhooks", "role", "roles", "dataSource", "dataSources", "remoteServer", "remoteTable",
	"fullName", "links", "link", "currency", "address", "emails", "phones", "actor", "richText", "richTextV2",
	"int", "float", "string", "boolean", "uuid", "date", "dateTime", "json", "rawJson", "bigFloat", "bigInt",
	"array", "position", "rating", "select", "multiSelect", "orderBy", "filter", "aggregate",
)

func toSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

// MetadataNotFoundError names a missing object or field metadata id.
type MetadataNotFoundError struct {
	Kind string // "object" or "field"
	ID   string
}

func (e *MetadataNotFoundError) Error() string {
	return fmt.Sprintf("%s metadata %s not found", e.Kind, e.ID)
}
func (e *MetadataNotFoundError) Is(t error) bool { return t == ErrNotFound }

func metaErr(field, rule, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// DecideMetadata turns a metadata command into the events to append, or
// refuses it. It is pure: newID supplies the ids of new objects and fields
// (called in a fixed order). A refused command yields no changes.
func DecideMetadata(s *Schema, cmd MetadataCommand, newID func() string) ([]Change, error) {
	var changes []Change
	var err error
	switch c := cmd.(type) {
	case CreateObject:
		changes, err = decideCreateObject(s, c, newID)
	case UpdateObject:
		changes, err = decideUpdateObject(s, c)
	case DeleteObject:
		changes, err = decideDeleteObject(s, c)
	case CreateField:
		changes, err = decideCreateField(s, c, newID)
	case UpdateField:
		changes, err = decideUpdateField(s, c)
	case DeleteField:
		changes, err = decideDeleteField(s, c)
	case CreateIndex:
		changes, err = decideCreateIndex(s, c, newID)
	case DeleteIndex:
		changes, err = decideDeleteIndex(s, c)
	default:
		return nil, fmt.Errorf("domain: unknown metadata command %T", cmd)
	}
	if err != nil {
		return nil, err
	}
	// The events must apply cleanly: this is what the projector will do.
	cur := s
	for _, ch := range changes {
		if cur, err = ApplyMetadata(cur, ch.Type, ch.Payload); err != nil {
			return nil, fmt.Errorf("domain: metadata command %T decided an inapplicable %s: %w", cmd, ch.Type, err)
		}
	}
	return changes, nil
}

// ---- objects ----

func decideCreateObject(s *Schema, c CreateObject, newID func() string) ([]Change, error) {
	c.LabelSingular = strings.TrimSpace(c.LabelSingular)
	c.LabelPlural = strings.TrimSpace(c.LabelPlural)
	if c.LabelSingular == "" {
		return nil, metaErr("labelSingular", RuleRequired, "labelSingular is required")
	}
	if c.LabelPlural == "" {
		return nil, metaErr("labelPlural", RuleRequired, "labelPlural is required")
	}
	if c.NameSingular == "" {
		c.NameSingular = NameFromLabel(c.LabelSingular)
	}
	if c.NamePlural == "" {
		c.NamePlural = NameFromLabel(c.LabelPlural)
	}
	for _, n := range []struct{ key, name string }{{"nameSingular", c.NameSingular}, {"namePlural", c.NamePlural}} {
		if err := checkObjectName(s, n.key, n.name, ""); err != nil {
			return nil, err
		}
	}
	if c.NameSingular == c.NamePlural {
		return nil, metaErr("namePlural", RuleSameNames, "nameSingular and namePlural must differ (both are %q)", c.NameSingular)
	}
	obj := &Object{
		ID: newID(), NameSingular: c.NameSingular, NamePlural: c.NamePlural,
		LabelSingular: c.LabelSingular, LabelPlural: c.LabelPlural,
		Description: c.Description, Icon: c.Icon, IsCustom: true, IsActive: true,
		LabelIdentifier: "name", Searchable: []string{"name"},
	}
	obj.Fields = append(SystemFields(),
		&Field{Name: "name", Label: "Name", Type: TypeText, Icon: "IconAbc", Description: "Name", IsNullable: true})
	for _, f := range obj.Fields {
		f.ID = newID()
	}
	changes := []Change{{Type: EventObjectCreated, Payload: ObjectCreated{Object: obj}}}

	// Like Twenty, a custom object can be the target of notes, tasks,
	// attachments, favorites and timeline activities.
	after, err := ApplyMetadata(s, EventObjectCreated, ObjectCreated{Object: obj})
	if err != nil {
		return nil, err
	}
	for _, a := range activityRelations {
		from := after.Object(a.object)
		if from == nil {
			continue
		}
		name := a.fieldName(obj.NameSingular)
		src := &Field{ID: newID(), Name: name, Label: obj.LabelSingular, Icon: obj.Icon, Type: TypeRelation,
			IsCustom: true, IsNullable: true,
			Relation: &Relation{Type: ManyToOne, TargetObject: obj.NameSingular, TargetField: a.inverse, OnDelete: a.onDelete}}
		inv := &Field{ID: newID(), Name: a.inverse, Label: a.inverseLabel, Icon: a.inverseIcon, Type: TypeRelation,
			IsCustom: true, IsSystem: true, IsNullable: true,
			Relation: &Relation{Type: OneToMany, TargetObject: a.object, TargetField: name}}
		if err := checkNewFieldNames(from, nil, "nameSingular", src); err != nil {
			return nil, metaErr("nameSingular", RuleUnique,
				"an object named %q would add field %q to %s, which clashes: %s", obj.NameSingular, name, a.object, err.Message)
		}
		pl := FieldCreated{ObjectID: from.ID, Object: from.NameSingular, Field: src,
			InverseObjectID: obj.ID, InverseObject: obj.NameSingular, Inverse: inv}
		if after, err = ApplyMetadata(after, EventFieldCreated, pl); err != nil {
			return nil, err
		}
		changes = append(changes, Change{Type: EventFieldCreated, Payload: pl})
	}
	// Like Twenty, a new object comes with its default view.
	return append(changes, DefaultViews(after.ObjectByID(obj.ID), func(...string) string { return newID() })...), nil
}

type activityRelation struct {
	object                string
	prefix                string // field name on object = prefix + Name (or name when empty)
	inverse, inverseLabel string
	inverseIcon           string
	onDelete              OnDelete
}

func (a activityRelation) fieldName(objectName string) string {
	if a.prefix == "" {
		return objectName
	}
	return a.prefix + upperFirst(objectName)
}

var activityRelations = []activityRelation{
	{"noteTarget", "", "noteTargets", "Notes", "IconNotes", OnDeleteCascade},
	{"taskTarget", "", "taskTargets", "Tasks", "IconCheckbox", OnDeleteCascade},
	{"attachment", "", "attachments", "Attachments", "IconFileImport", OnDeleteCascade},
	{"favorite", "", "favorites", "Favorites", "IconHeart", OnDeleteCascade},
	{"timelineActivity", "target", "timelineActivities", "Timeline Activities", "IconTimelineEvent", OnDeleteSetNull},
}

func decideUpdateObject(s *Schema, c UpdateObject) ([]Change, error) {
	obj := s.ObjectByID(c.ID)
	if obj == nil {
		return nil, &MetadataNotFoundError{Kind: "object", ID: c.ID}
	}
	if c.NameSingular != nil && *c.NameSingular != obj.NameSingular {
		return nil, metaErr("nameSingular", RuleImmutable, "object names cannot change (%s); change its labels instead", obj.NameSingular)
	}
	if c.NamePlural != nil && *c.NamePlural != obj.NamePlural {
		return nil, metaErr("namePlural", RuleImmutable, "object names cannot change (%s); change its labels instead", obj.NamePlural)
	}
	p := c.Set
	if p.LabelSingular != nil && strings.TrimSpace(*p.LabelSingular) == "" {
		return nil, metaErr("labelSingular", RuleRequired, "labelSingular cannot be empty")
	}
	if p.LabelPlural != nil && strings.TrimSpace(*p.LabelPlural) == "" {
		return nil, metaErr("labelPlural", RuleRequired, "labelPlural cannot be empty")
	}
	if p.LabelIdentifier != nil {
		f := obj.Field(*p.LabelIdentifier)
		if f == nil {
			return nil, metaErr("labelIdentifierFieldMetadataId", RuleLabelIdentity, "%s has no field %q", obj.NameSingular, *p.LabelIdentifier)
		}
		if f.Type != TypeText && f.Type != TypeFullName && f.Type != TypeUUID && f.Type != TypeNumber {
			return nil, metaErr("labelIdentifierFieldMetadataId", RuleLabelIdentity,
				"the label identifier must be a TEXT, FULL_NAME, UUID or NUMBER field; %s is %s", f.Name, f.Type)
		}
	}
	if p == (ObjectPatch{}) {
		return nil, nil
	}
	return []Change{{Type: EventObjectUpdated, Payload: ObjectUpdated{ObjectID: obj.ID, Object: obj.NameSingular, Set: p}}}, nil
}

func decideDeleteObject(s *Schema, c DeleteObject) ([]Change, error) {
	obj := s.ObjectByID(c.ID)
	if obj == nil {
		return nil, &MetadataNotFoundError{Kind: "object", ID: c.ID}
	}
	if !obj.IsCustom {
		return nil, metaErr("id", RuleStandard, "%s is a standard object and cannot be deleted (deactivate it instead)", obj.NameSingular)
	}
	var changes []Change
	done := map[string]bool{}
	for _, f := range obj.Fields {
		if f.Type != TypeRelation || f.Relation == nil || done[f.ID] {
			continue
		}
		pl := fieldDeleted(s, obj, f)
		done[f.ID], done[pl.InverseFieldID] = true, true
		changes = append(changes, Change{Type: EventFieldDeleted, Payload: pl})
	}
	return append(changes, Change{Type: EventObjectDeleted, Payload: ObjectDeleted{ObjectID: obj.ID, Object: obj.NameSingular}}), nil
}

// ---- fields ----

func decideCreateField(s *Schema, c CreateField, newID func() string) ([]Change, error) {
	obj := s.ObjectByID(c.ObjectID)
	if obj == nil {
		return nil, &MetadataNotFoundError{Kind: "object", ID: c.ObjectID}
	}
	c.Label = strings.TrimSpace(c.Label)
	if c.Label == "" {
		return nil, metaErr("label", RuleRequired, "label is required")
	}
	if c.Name == "" {
		c.Name = NameFromLabel(c.Label)
	}
	if Subfields(c.Type) == nil && !sqlScalarTypes[c.Type] && c.Type != TypeRelation {
		return nil, metaErr("type", RuleFieldType, "unknown field type %q", c.Type)
	}
	f := &Field{Name: c.Name, Label: c.Label, Type: c.Type, Icon: c.Icon, Description: c.Description,
		IsCustom: true, IsNullable: true, IsUnique: c.IsUnique}
	if c.IsNullable != nil {
		f.IsNullable = *c.IsNullable
	}
	if c.Type == TypeRelation {
		return decideCreateRelation(s, obj, f, c, newID)
	}
	if c.Relation != nil {
		return nil, metaErr("relationCreationPayload", RuleRelation, "relationCreationPayload is only for RELATION fields, not %s", c.Type)
	}
	if err := checkNewFieldNames(obj, nil, "name", f); err != nil {
		return nil, err
	}
	if err := checkOptions(c.Type, c.Options); err != nil {
		return nil, err
	}
	f.Options = c.Options
	if err := checkDefault(obj, f, c.DefaultValue); err != nil {
		return nil, err
	}
	f.DefaultValue = normalizeDefault(f, c.DefaultValue)
	f.ID = newID()
	return []Change{{Type: EventFieldCreated, Payload: FieldCreated{ObjectID: obj.ID, Object: obj.NameSingular, Field: f}}}, nil
}

// sqlScalarTypes are the non-composite field types a field may have.
var sqlScalarTypes = map[FieldType]bool{
	TypeUUID: true, TypeText: true, TypeNumber: true, TypeNumeric: true, TypeBoolean: true,
	TypeDateTime: true, TypeDate: true, TypeSelect: true, TypeMultiSelect: true, TypeRating: true,
	TypePosition: true, TypeRawJSON: true, TypeArray: true,
}

func decideCreateRelation(s *Schema, obj *Object, f *Field, c CreateField, newID func() string) ([]Change, error) {
	r := c.Relation
	if r == nil {
		return nil, metaErr("relationCreationPayload", RuleRelation, "a RELATION field needs relationCreationPayload {targetObjectMetadataId, targetFieldLabel, targetFieldIcon, type}")
	}
	if c.DefaultValue != nil || len(c.Options) > 0 {
		return nil, metaErr("defaultValue", RuleDefaultValue, "a RELATION field takes no defaultValue or options")
	}
	if r.Type != ManyToOne && r.Type != OneToMany {
		return nil, metaErr("relationCreationPayload.type", RuleRelation, "relation type must be MANY_TO_ONE or ONE_TO_MANY, not %q", r.Type)
	}
	target := s.ObjectByID(r.TargetObjectID)
	if target == nil {
		return nil, metaErr("relationCreationPayload.targetObjectMetadataId", RuleRelation, "no object with id %q to relate to", r.TargetObjectID)
	}
	onDelete := r.OnDelete
	switch onDelete {
	case "":
		onDelete = OnDeleteSetNull
	case OnDeleteSetNull, OnDeleteCascade, OnDeleteRestrict:
	default:
		return nil, metaErr("relationCreationPayload.onDelete", RuleRelation, "onDelete must be SET_NULL, CASCADE or RESTRICT, not %q", onDelete)
	}
	label := strings.TrimSpace(r.TargetFieldLabel)
	if label == "" {
		return nil, metaErr("relationCreationPayload.targetFieldLabel", RuleRequired, "targetFieldLabel is required")
	}
	invName := r.TargetFieldName
	if invName == "" {
		invName = NameFromLabel(label)
	}
	invType := OneToMany
	if r.Type == OneToMany {
		invType = ManyToOne
	}
	f.IsNullable = true
	f.Relation = &Relation{Type: r.Type, TargetObject: target.NameSingular, TargetField: invName}
	inv := &Field{Name: invName, Label: label, Icon: r.TargetFieldIcon, Type: TypeRelation, IsCustom: true, IsNullable: true,
		Relation: &Relation{Type: invType, TargetObject: obj.NameSingular, TargetField: f.Name}}
	if r.Type == ManyToOne {
		f.Relation.OnDelete = onDelete
	} else {
		inv.Relation.OnDelete = onDelete
	}
	if err := checkNewFieldNames(obj, nil, "name", f); err != nil {
		return nil, err
	}
	var also *Field
	if target == obj {
		also = f // a self-relation: both sides land on the same object
	}
	if err := checkNewFieldNames(target, also, "relationCreationPayload.targetFieldLabel", inv); err != nil {
		err.Message = fmt.Sprintf("inverse field on %s: %s", target.NameSingular, err.Message)
		return nil, err
	}
	f.ID, inv.ID = newID(), newID()
	return []Change{{Type: EventFieldCreated, Payload: FieldCreated{ObjectID: obj.ID, Object: obj.NameSingular, Field: f,
		InverseObjectID: target.ID, InverseObject: target.NameSingular, Inverse: inv}}}, nil
}

// fieldByID finds a field and its object.
func fieldByID(s *Schema, id string) (*Object, *Field) {
	for _, o := range s.Objects {
		for _, f := range o.Fields {
			if f.ID == id {
				return o, f
			}
		}
	}
	return nil, nil
}

// FieldByID returns the field with metadata id id and its object, or nils.
func (s *Schema) FieldByID(id string) (*Object, *Field) { return fieldByID(s, id) }

// InverseField returns the other side of RELATION field f, and its object.
func (s *Schema) InverseField(f *Field) (*Object, *Field) {
	if f == nil || f.Relation == nil {
		return nil, nil
	}
	o := s.Object(f.Relation.TargetObject)
	if o == nil {
		return nil, nil
	}
	return o, o.Field(f.Relation.TargetField)
}

func decideUpdateField(s *Schema, c UpdateField) ([]Change, error) {
	obj, f := fieldByID(s, c.ID)
	if f == nil {
		return nil, &MetadataNotFoundError{Kind: "field", ID: c.ID}
	}
	p := c.Set
	if p.Name != nil && *p.Name == f.Name {
		p.Name = nil
	}
	if p.Name != nil {
		if !f.IsCustom {
			return nil, metaErr("name", RuleStandard, "%s.%s is a standard field and cannot be renamed (change its label instead)", obj.NameSingular, f.Name)
		}
		renamed := *f
		renamed.Name = *p.Name
		if err := checkNewFieldNames(obj, nil, "name", &renamed, f); err != nil {
			return nil, err
		}
	}
	if p.Label != nil && strings.TrimSpace(*p.Label) == "" {
		return nil, metaErr("label", RuleRequired, "label cannot be empty")
	}
	if p.IsActive != nil && !*p.IsActive {
		if IsSystemFieldName(f.Name) {
			return nil, metaErr("isActive", RuleImmutable, "system field %s.%s cannot be deactivated", obj.NameSingular, f.Name)
		}
		if obj.LabelIdentifier == f.Name {
			return nil, metaErr("isActive", RuleLabelIdentity, "%s.%s is the label identifier and cannot be deactivated", obj.NameSingular, f.Name)
		}
	}
	if (p.IsNullable != nil && *p.IsNullable != f.IsNullable || p.IsUnique != nil && *p.IsUnique != f.IsUnique) && !f.IsCustom {
		return nil, metaErr("isNullable", RuleStandard, "isNullable and isUnique of standard field %s.%s cannot change", obj.NameSingular, f.Name)
	}
	if f.Type == TypeRelation {
		if p.Options != nil || p.SetDefaultValue {
			return nil, metaErr("defaultValue", RuleDefaultValue, "a RELATION field takes no defaultValue or options")
		}
		if p.IsNullable != nil && !*p.IsNullable || p.IsUnique != nil && *p.IsUnique {
			return nil, metaErr("isNullable", RuleRelation, "RELATION fields are nullable and not unique")
		}
	}
	after := *f
	if p.Options != nil {
		if err := checkOptions(f.Type, *p.Options); err != nil {
			return nil, err
		}
		after.Options = *p.Options
	}
	def := f.DefaultValue
	if p.SetDefaultValue {
		def = p.DefaultValue
	}
	if p.Options != nil || p.SetDefaultValue {
		after.DefaultValue = nil
		if err := checkDefault(obj, &after, def); err != nil {
			if !p.SetDefaultValue {
				err.Message += " (update or clear the default value along with the options)"
			}
			return nil, err
		}
	}
	if p.SetDefaultValue {
		p.DefaultValue = normalizeDefault(&after, p.DefaultValue)
	}
	if reflect.DeepEqual(p, FieldPatch{}) {
		return nil, nil
	}
	return []Change{{Type: EventFieldUpdated, Payload: FieldUpdated{ObjectID: obj.ID, Object: obj.NameSingular,
		FieldID: f.ID, Field: f.Name, Set: p}}}, nil
}

func decideDeleteField(s *Schema, c DeleteField) ([]Change, error) {
	obj, f := fieldByID(s, c.ID)
	if f == nil {
		return nil, &MetadataNotFoundError{Kind: "field", ID: c.ID}
	}
	if !f.IsCustom {
		return nil, metaErr("id", RuleStandard, "%s.%s is a standard field and cannot be deleted (deactivate it instead)", obj.NameSingular, f.Name)
	}
	if obj.LabelIdentifier == f.Name {
		return nil, metaErr("id", RuleLabelIdentity, "%s.%s is the label identifier of %s; choose another one first", obj.NameSingular, f.Name, obj.NameSingular)
	}
	if f.Type == TypeRelation {
		if io, inv := s.InverseField(f); inv != nil && io.LabelIdentifier == inv.Name {
			return nil, metaErr("id", RuleLabelIdentity, "the inverse %s.%s is the label identifier of %s", io.NameSingular, inv.Name, io.NameSingular)
		}
	}
	return []Change{{Type: EventFieldDeleted, Payload: fieldDeleted(s, obj, f)}}, nil
}

func fieldDeleted(s *Schema, obj *Object, f *Field) FieldDeleted {
	pl := FieldDeleted{ObjectID: obj.ID, Object: obj.NameSingular, FieldID: f.ID, Field: f.Name}
	if io, inv := s.InverseField(f); inv != nil {
		pl.InverseObjectID, pl.InverseObject, pl.InverseFieldID, pl.InverseField = io.ID, io.NameSingular, inv.ID, inv.Name
	}
	return pl
}

// ---- name, option and default checks ----

func checkObjectName(s *Schema, key, name, self string) error {
	if err := checkNameFormat(key, name); err != nil {
		return err
	}
	if reservedObjectNames[strings.ToLower(name)] {
		return metaErr(key, RuleReserved, "%s %q is reserved", key, name)
	}
	lower := strings.ToLower(name)
	for _, o := range s.Objects {
		if o.ID == self {
			continue
		}
		if strings.ToLower(o.NameSingular) == lower || strings.ToLower(o.NamePlural) == lower {
			return metaErr(key, RuleUnique, "%s %q is already used by object %s", key, name, o.NameSingular)
		}
	}
	return nil
}

func checkNameFormat(key, name string) *ValidationError {
	if name == "" {
		return metaErr(key, RuleRequired, "%s is required", key)
	}
	if !Span(name, 1, len(name), IsLower, IsAlnum) {
		return metaErr(key, RuleName, "%s %q must be camelCase: a lower-case letter, then letters and digits (^[a-z][a-zA-Z0-9]*$)", key, name)
	}
	if len(name) > MaxMetadataNameLength {
		return metaErr(key, RuleName, "%s %q is longer than %d characters", key, name, MaxMetadataNameLength)
	}
	if reservedNames[strings.ToLower(name)] {
		return metaErr(key, RuleReserved, "%s %q is a reserved word", key, name)
	}
	return nil
}

// checkNewFieldNames checks that f can be added to obj: its name is valid
// and neither it nor its columns clash (case-insensitively, as SQLite
// compares column names) with the names and columns of obj's fields, of
// also (a field being added alongside) and not of skip (the field f
// replaces, on a rename).
func checkNewFieldNames(obj *Object, also *Field, key string, f *Field, skip ...*Field) *ValidationError {
	if err := checkNameFormat(key, f.Name); err != nil {
		return err
	}
	type owner struct{ field, column string }
	taken := map[string]owner{} // lower-case name or column → what holds it
	add := func(g *Field) {
		for _, c := range g.Columns() {
			taken[strings.ToLower(c.Name)] = owner{g.Name, c.Name}
		}
		taken[strings.ToLower(g.Name)] = owner{g.Name, ""}
	}
	for _, g := range obj.Fields {
		if len(skip) > 0 && g.ID == skip[0].ID {
			continue
		}
		add(g)
	}
	if also != nil {
		add(also)
	}
	names := []string{f.Name}
	for _, c := range f.Columns() {
		names = append(names, c.Name)
	}
	for _, n := range names {
		o, ok := taken[strings.ToLower(n)]
		switch {
		case !ok:
		case o.column == "" && n == f.Name:
			return metaErr(key, RuleUnique, "%s already has a field %q", obj.NameSingular, o.field)
		case o.column == "":
			return metaErr(key, RuleUnique, "field %q of %s would store column %q, which clashes with field %q", f.Name, obj.NameSingular, n, o.field)
		default:
			return metaErr(key, RuleUnique, "field %q of %s clashes with column %q of field %q", f.Name, obj.NameSingular, o.column, o.field)
		}
	}
	return nil
}

func checkOptions(t FieldType, opts []SelectOption) *ValidationError {
	if t != TypeSelect && t != TypeMultiSelect {
		if len(opts) > 0 {
			return metaErr("options", RuleOptions, "options are only for SELECT and MULTI_SELECT fields, not %s", t)
		}
		return nil
	}
	if len(opts) == 0 {
		return metaErr("options", RuleOptions, "a %s field needs at least one option", t)
	}
	seen := map[string]bool{}
	for i, o := range opts {
		if !Span(o.Value, 1, len(o.Value), nil, isWordChar) || len(o.Value) > MaxMetadataNameLength {
			return metaErr("options", RuleOptions, "options[%d].value %q must be letters, digits and underscores (at most %d)", i, o.Value, MaxMetadataNameLength)
		}
		if seen[o.Value] {
			return metaErr("options", RuleOptions, "options[%d].value %q is given twice", i, o.Value)
		}
		seen[o.Value] = true
		if strings.TrimSpace(o.Label) == "" {
			return metaErr("options", RuleOptions, "options[%d].label is required", i)
		}
	}
	return nil
}

// checkDefault checks a default value against field f (with its options).
// "now" (DATE_TIME, DATE) and "uuid" (UUID) are generated defaults.
func checkDefault(obj *Object, f *Field, v any) *ValidationError {
	if v == nil {
		return nil
	}
	gen := *f
	gen.DefaultValue = v
	if IsGeneratedDefault(&gen) {
		return nil
	}
	if f.Type == TypeRelation {
		return metaErr("defaultValue", RuleDefaultValue, "a RELATION field takes no defaultValue")
	}
	c := checker{obj: obj, key: f.Name}
	if err := c.value(f, v); err != nil {
		return metaErr("defaultValue", RuleDefaultValue, "defaultValue does not fit: %s", err.Message)
	}
	return nil
}

// normalizeDefault is a checked default value in the canonical form of
// record data (NormalizeValue), so that a record created with it carries
// the same value as one created with it given. Generated defaults ("now",
// "uuid") stay as they are.
func normalizeDefault(f *Field, v any) any {
	gen := *f
	gen.DefaultValue = v
	if v == nil || IsGeneratedDefault(&gen) {
		return v
	}
	return NormalizeValue(f, v)
}

// NameFromLabel derives a camelCase metadata name from a label, as Twenty
// does when a client sends only a label: "Point of Contact" → "pointOfContact".
func NameFromLabel(label string) string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = nil
		}
	}
	runes := []rune(label)
	for i, r := range runes {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 && (unicode.IsLower(cur[len(cur)-1]) ||
			i+1 < len(runes) && unicode.IsLower(runes[i+1]) && unicode.IsUpper(cur[len(cur)-1])) {
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	var b strings.Builder
	for i, w := range words {
		w = strings.ToLower(w)
		if i > 0 {
			w = upperFirst(w)
		}
		b.WriteString(w)
	}
	return b.String()
}

// ---- applying events to a schema ----

// MetadataPayload returns a pointer to a zero payload of metadata event
// type typ, to decode into (nil for other types).
func MetadataPayload(typ string) any {
	switch typ {
	case EventObjectCreated:
		return &ObjectCreated{}
	case EventObjectUpdated:
		return &ObjectUpdated{}
	case EventObjectDeleted:
		return &ObjectDeleted{}
	case EventFieldCreated:
		return &FieldCreated{}
	case EventFieldUpdated:
		return &FieldUpdated{}
	case EventFieldDeleted:
		return &FieldDeleted{}
	case EventIndexCreated:
		return &IndexCreated{}
	case EventIndexDeleted:
		return &IndexDeleted{}
	}
	return nil
}

// ApplyMetadata returns the schema after metadata event typ with payload
// (a payload struct or a pointer to one). It never modifies s or anything s
// points to: changed objects and fields are copies, unchanged ones are
// shared, so a cached schema stays intact and callers can tell changed
// objects by pointer.
func ApplyMetadata(s *Schema, typ string, payload any) (*Schema, error) {
	if s == nil {
		s = &Schema{}
	}
	if IsViewEvent(typ) {
		return s, nil // views do not change the schema
	}
	out := &schemaEditor{Schema: &Schema{Version: s.Version, Objects: append([]*Object(nil), s.Objects...)}}
	if rv := reflect.ValueOf(payload); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		payload = rv.Elem().Interface()
	}
	switch p := payload.(type) {
	case ObjectCreated:
		if p.Object == nil {
			return nil, fmt.Errorf("object.created without an object")
		}
		if s.Object(p.Object.NameSingular) != nil || s.ObjectByID(p.Object.ID) != nil {
			return nil, fmt.Errorf("object %s (%s) exists already", p.Object.NameSingular, p.Object.ID)
		}
		out.Objects = append(out.Objects, p.Object)
	case ObjectUpdated:
		o, err := out.edit(p.ObjectID)
		if err != nil {
			return nil, err
		}
		set := p.Set
		setStr(&o.LabelSingular, set.LabelSingular)
		setStr(&o.LabelPlural, set.LabelPlural)
		setStr(&o.Description, set.Description)
		setStr(&o.Icon, set.Icon)
		setStr(&o.LabelIdentifier, set.LabelIdentifier)
		if set.IsActive != nil {
			o.IsActive = *set.IsActive
		}
		if set.Searchable != nil {
			o.Searchable = append([]string(nil), (*set.Searchable)...)
		}
	case ObjectDeleted:
		i := out.index(p.ObjectID)
		if i < 0 {
			return nil, fmt.Errorf("object %s (%s) does not exist", p.Object, p.ObjectID)
		}
		out.Objects = append(out.Objects[:i], out.Objects[i+1:]...)
	case FieldCreated:
		if p.Field == nil {
			return nil, fmt.Errorf("field.created without a field")
		}
		o, err := out.edit(p.ObjectID)
		if err != nil {
			return nil, err
		}
		if o.Field(p.Field.Name) != nil {
			return nil, fmt.Errorf("field %s.%s exists already", o.NameSingular, p.Field.Name)
		}
		o.Fields = append(o.Fields, p.Field)
		if p.Inverse != nil {
			io, err := out.edit(p.InverseObjectID)
			if err != nil {
				return nil, err
			}
			if io.Field(p.Inverse.Name) != nil {
				return nil, fmt.Errorf("field %s.%s exists already", io.NameSingular, p.Inverse.Name)
			}
			io.Fields = append(io.Fields, p.Inverse)
		}
	case FieldUpdated:
		o, err := out.edit(p.ObjectID)
		if err != nil {
			return nil, err
		}
		i := fieldIndex(o, p.FieldID)
		if i < 0 {
			return nil, fmt.Errorf("field %s.%s (%s) does not exist", p.Object, p.Field, p.FieldID)
		}
		f := cloneField(o.Fields[i])
		o.Fields[i] = f
		set := p.Set
		oldName := f.Name
		setStr(&f.Label, set.Label)
		setStr(&f.Description, set.Description)
		setStr(&f.Icon, set.Icon)
		if set.IsActive != nil {
			f.Inactive = !*set.IsActive
		}
		if set.IsNullable != nil {
			f.IsNullable = *set.IsNullable
		}
		if set.IsUnique != nil {
			f.IsUnique = *set.IsUnique
		}
		if set.Options != nil {
			f.Options = append([]SelectOption(nil), (*set.Options)...)
		}
		if set.SetDefaultValue {
			f.DefaultValue = set.DefaultValue
		}
		if set.Name != nil && *set.Name != oldName {
			f.Name = *set.Name
			if o.LabelIdentifier == oldName {
				o.LabelIdentifier = f.Name
			}
			for j, n := range o.Searchable {
				if n == oldName {
					o.Searchable = append([]string(nil), o.Searchable...)
					o.Searchable[j] = f.Name
				}
			}
			if f.Relation != nil {
				// The inverse names this field: follow the rename.
				io, err := out.editByName(f.Relation.TargetObject)
				if err != nil {
					return nil, err
				}
				if k := fieldIndexByName(io, f.Relation.TargetField); k >= 0 {
					inv := cloneField(io.Fields[k])
					inv.Relation.TargetField = f.Name
					io.Fields[k] = inv
				}
			}
		}
	case FieldDeleted:
		o, err := out.edit(p.ObjectID)
		if err != nil {
			return nil, err
		}
		if !removeField(o, p.FieldID) {
			return nil, fmt.Errorf("field %s.%s (%s) does not exist", p.Object, p.Field, p.FieldID)
		}
		if p.InverseFieldID != "" {
			io, err := out.edit(p.InverseObjectID)
			if err != nil {
				return nil, err
			}
			if !removeField(io, p.InverseFieldID) {
				return nil, fmt.Errorf("field %s.%s (%s) does not exist", p.InverseObject, p.InverseField, p.InverseFieldID)
			}
		}
	default:
		if ok, err := out.applyIndex(payload); ok {
			return out.Schema, err
		}
		return nil, fmt.Errorf("domain: %s is not a metadata event (payload %T)", typ, payload)
	}
	return out.Schema, nil
}

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// schemaEditor copies each object it edits once.
type schemaEditor struct {
	*Schema
	edited map[*Object]bool
}

func (s *Schema) index(id string) int {
	for i, o := range s.Objects {
		if o.ID == id {
			return i
		}
	}
	return -1
}

// edit replaces the object with id by a copy (once per Schema value: a
// second edit of the same object in one ApplyMetadata returns the copy).
func (s *schemaEditor) edit(id string) (*Object, error) {
	i := s.index(id)
	if i < 0 {
		return nil, fmt.Errorf("object %s does not exist", id)
	}
	return s.editAt(i), nil
}

func (s *schemaEditor) editByName(name string) (*Object, error) {
	for i, o := range s.Objects {
		if o.NameSingular == name {
			return s.editAt(i), nil
		}
	}
	return nil, fmt.Errorf("object %s does not exist", name)
}

func (s *schemaEditor) editAt(i int) *Object {
	if s.edited == nil {
		s.edited = map[*Object]bool{}
	}
	o := s.Objects[i]
	if s.edited[o] {
		return o
	}
	c := *o
	c.Fields = append([]*Field(nil), o.Fields...)
	c.Searchable = append([]string(nil), o.Searchable...)
	s.Objects[i] = &c
	s.edited[&c] = true
	return &c
}

func cloneField(f *Field) *Field {
	c := *f
	if f.Relation != nil {
		r := *f.Relation
		c.Relation = &r
	}
	c.Options = append([]SelectOption(nil), f.Options...)
	return &c
}

func fieldIndex(o *Object, id string) int {
	for i, f := range o.Fields {
		if f.ID == id {
			return i
		}
	}
	return -1
}

func fieldIndexByName(o *Object, name string) int {
	for i, f := range o.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func removeField(o *Object, id string) bool {
	i := fieldIndex(o, id)
	if i < 0 {
		return false
	}
	name := o.Fields[i].Name
	o.Fields = append(o.Fields[:i], o.Fields[i+1:]...)
	// A custom index over the field goes with it.
	o.Indexes = dropIndexes(o, func(idx *Index) bool {
		for _, f := range idx.Fields {
			if f.FieldID == id {
				return true
			}
		}
		return false
	})
	var keep []string
	for _, n := range o.Searchable {
		if n != name {
			keep = append(keep, n)
		}
	}
	o.Searchable = keep
	return true
}

// isWordChar is [A-Za-z0-9_].
func isWordChar(c byte) bool { return IsAlnum(c) || c == '_' }
