// Package domain is the pure CRM model: object and field metadata, field
// types, commands, Decide and validation. It does no I/O.
package domain

import (
	"sort"
	"strings"
	"sync"
)

// FieldType is Twenty's FieldMetadataType.
type FieldType string

const (
	TypeUUID        FieldType = "UUID"
	TypeText        FieldType = "TEXT"
	TypeNumber      FieldType = "NUMBER"
	TypeNumeric     FieldType = "NUMERIC"
	TypeBoolean     FieldType = "BOOLEAN"
	TypeDateTime    FieldType = "DATE_TIME"
	TypeDate        FieldType = "DATE"
	TypeSelect      FieldType = "SELECT"
	TypeMultiSelect FieldType = "MULTI_SELECT"
	TypeRating      FieldType = "RATING"
	TypePosition    FieldType = "POSITION"
	TypeRawJSON     FieldType = "RAW_JSON"
	TypeArray       FieldType = "ARRAY"
	TypeRichTextV2  FieldType = "RICH_TEXT_V2"
	TypeFullName    FieldType = "FULL_NAME"
	TypeEmails      FieldType = "EMAILS"
	TypePhones      FieldType = "PHONES"
	TypeLinks       FieldType = "LINKS"
	TypeCurrency    FieldType = "CURRENCY"
	TypeAddress     FieldType = "ADDRESS"
	TypeActor       FieldType = "ACTOR"
	TypeRelation    FieldType = "RELATION"
)

// SQLType is the storage class a column uses in SQLite/D1.
type SQLType string

const (
	SQLText    SQLType = "TEXT"
	SQLInteger SQLType = "INTEGER"
	SQLReal    SQLType = "REAL"
)

// Subfield is one part of a composite field type.
type Subfield struct {
	Name string    // GraphQL name, e.g. "firstName"
	Type FieldType // scalar type of the part (TEXT, NUMBER, RAW_JSON, ...)
}

// compositeSubfields lists each composite type's parts in Twenty's order.
var compositeSubfields = map[FieldType][]Subfield{
	TypeFullName: {{"firstName", TypeText}, {"lastName", TypeText}},
	TypeEmails:   {{"primaryEmail", TypeText}, {"additionalEmails", TypeRawJSON}},
	TypePhones: {{"primaryPhoneNumber", TypeText}, {"primaryPhoneCountryCode", TypeText},
		{"primaryPhoneCallingCode", TypeText}, {"additionalPhones", TypeRawJSON}},
	TypeLinks:    {{"primaryLinkUrl", TypeText}, {"primaryLinkLabel", TypeText}, {"secondaryLinks", TypeRawJSON}},
	TypeCurrency: {{"amountMicros", TypeNumeric}, {"currencyCode", TypeText}},
	TypeAddress: {{"addressStreet1", TypeText}, {"addressStreet2", TypeText}, {"addressCity", TypeText},
		{"addressPostcode", TypeText}, {"addressState", TypeText}, {"addressCountry", TypeText},
		{"addressLat", TypeNumeric}, {"addressLng", TypeNumeric}},
	TypeActor:      {{"source", TypeText}, {"workspaceMemberId", TypeUUID}, {"name", TypeText}, {"context", TypeRawJSON}},
	TypeRichTextV2: {{"blocknote", TypeText}, {"markdown", TypeText}},
}

// Subfields returns the parts of a composite type, or nil for a scalar type.
func Subfields(t FieldType) []Subfield { return compositeSubfields[t] }

// IsComposite reports whether values of t are objects of subfields.
func IsComposite(t FieldType) bool { return compositeSubfields[t] != nil }

// RelationType says which side of a relation a field is.
type RelationType string

const (
	ManyToOne RelationType = "MANY_TO_ONE"
	OneToMany RelationType = "ONE_TO_MANY"
)

// OnDelete is what destroying the target does to records pointing at it.
type OnDelete string

const (
	OnDeleteSetNull  OnDelete = "SET_NULL"
	OnDeleteCascade  OnDelete = "CASCADE"
	OnDeleteRestrict OnDelete = "RESTRICT"
)

// Relation describes a RELATION field. A MANY_TO_ONE side owns the
// `<name>Id` column; its ONE_TO_MANY inverse lives on the target object.
type Relation struct {
	Type         RelationType `json:"type" msgpack:"type"`
	TargetObject string       `json:"targetObject" msgpack:"targetObject"` // nameSingular
	TargetField  string       `json:"targetField" msgpack:"targetField"`   // inverse field's name
	OnDelete     OnDelete     `json:"onDelete,omitempty" msgpack:"onDelete,omitempty"`
}

// SelectOption is one allowed value of a SELECT or MULTI_SELECT field.
type SelectOption struct {
	Value    string `json:"value" msgpack:"value"`
	Label    string `json:"label" msgpack:"label"`
	Color    string `json:"color,omitempty" msgpack:"color,omitempty"`
	Position int    `json:"position" msgpack:"position"`
}

// Field is one field of an object.
type Field struct {
	ID           string         `json:"id" msgpack:"id"`
	Name         string         `json:"name" msgpack:"name"`
	Label        string         `json:"label" msgpack:"label"`
	Type         FieldType      `json:"type" msgpack:"type"`
	Icon         string         `json:"icon,omitempty" msgpack:"icon,omitempty"`
	Description  string         `json:"description,omitempty" msgpack:"description,omitempty"`
	IsCustom     bool           `json:"isCustom" msgpack:"isCustom"`
	IsSystem     bool           `json:"isSystem" msgpack:"isSystem"`
	IsNullable   bool           `json:"isNullable" msgpack:"isNullable"`
	IsUnique     bool           `json:"isUnique,omitempty" msgpack:"isUnique,omitempty"`
	DefaultValue any            `json:"defaultValue" msgpack:"defaultValue"`
	Options      []SelectOption `json:"options,omitempty" msgpack:"options,omitempty"`
	Relation     *Relation      `json:"relation,omitempty" msgpack:"relation,omitempty"`
	MaxLength    int            `json:"maxLength,omitempty" msgpack:"maxLength,omitempty"` // TEXT only; 0 = default limit
	Inactive     bool           `json:"inactive,omitempty" msgpack:"inactive,omitempty"`   // deactivated (Twenty's isActive: false)
}

// Column is one SQL column that stores (part of) a field.
type Column struct {
	Name     string    // e.g. nameFirstName, companyId, city
	Field    *Field    // the field it belongs to
	Subfield string    // "" for a scalar field
	Type     FieldType // scalar type of the stored value
}

// SQLType returns the column's SQLite storage type.
func (c Column) SQLType() SQLType { return sqlTypeOf(c.Type) }

func sqlTypeOf(t FieldType) SQLType {
	switch t {
	case TypeBoolean:
		return SQLInteger
	case TypeNumber, TypeNumeric, TypePosition:
		return SQLReal
	default: // text, uuid, dates (ISO 8601 sorts as text), select, json
		return SQLText
	}
}

// Columns returns the columns that store f: one per subfield for a composite,
// `<name>Id` for a MANY_TO_ONE relation, none for ONE_TO_MANY.
func (f *Field) Columns() []Column {
	if f.Type == TypeRelation {
		if f.Relation != nil && f.Relation.Type == ManyToOne {
			return []Column{{Name: f.JoinColumn(), Field: f, Type: TypeUUID}}
		}
		return nil
	}
	if subs := Subfields(f.Type); subs != nil {
		names := subfieldColumnNames(f.Name, f.Type, subs)
		cols := make([]Column, len(subs))
		for i, s := range subs {
			cols[i] = Column{Name: names[i], Field: f, Subfield: s.Name, Type: s.Type}
		}
		return cols
	}
	return []Column{{Name: f.Name, Field: f, Type: f.Type}}
}

// columnNames caches the column names of composite fields by field name and
// type: Columns runs for every field of every row projected or read, and
// building the names allocated more than anything else on that path.
// It is bounded (custom field names vary): past the bound, names are built.
var columnNames struct {
	sync.RWMutex
	m map[columnKey][]string
}

type columnKey struct {
	name string
	t    FieldType
}

func subfieldColumnNames(name string, t FieldType, subs []Subfield) []string {
	k := columnKey{name, t}
	columnNames.RLock()
	names, ok := columnNames.m[k]
	columnNames.RUnlock()
	if ok {
		return names
	}
	names = make([]string, len(subs))
	for i, s := range subs {
		names[i] = name + upperFirst(s.Name)
	}
	if t == TypeRelation {
		names[0] = name + "Id"
	}
	columnNames.Lock()
	if columnNames.m == nil {
		columnNames.m = map[columnKey][]string{}
	}
	if len(columnNames.m) < 4096 {
		columnNames.m[k] = names
	}
	columnNames.Unlock()
	return names
}

// JoinColumn is the `<name>Id` column of a MANY_TO_ONE relation field.
// SubfieldColumns returns the column names of a composite field, in the
// order of Subfields(f.Type) (shared, cached: callers must not modify it).
func (f *Field) SubfieldColumns() []string {
	return subfieldColumnNames(f.Name, f.Type, Subfields(f.Type))
}

// SQLTypeOf is the SQL type of a column holding values of t.
func SQLTypeOf(t FieldType) SQLType { return sqlTypeOf(t) }

func (f *Field) JoinColumn() string {
	return subfieldColumnNames(f.Name, TypeRelation, joinSubfield)[0]
}

var joinSubfield = []Subfield{{}} // one column, named by subfieldColumnNames

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Object is one object type (standard or custom) of a workspace.
type Object struct {
	ID              string   `json:"id" msgpack:"id"`
	NameSingular    string   `json:"nameSingular" msgpack:"nameSingular"`
	NamePlural      string   `json:"namePlural" msgpack:"namePlural"`
	LabelSingular   string   `json:"labelSingular" msgpack:"labelSingular"`
	LabelPlural     string   `json:"labelPlural" msgpack:"labelPlural"`
	Description     string   `json:"description,omitempty" msgpack:"description,omitempty"`
	Icon            string   `json:"icon,omitempty" msgpack:"icon,omitempty"`
	IsCustom        bool     `json:"isCustom" msgpack:"isCustom"`
	IsActive        bool     `json:"isActive" msgpack:"isActive"`
	LabelIdentifier string   `json:"labelIdentifierFieldName,omitempty" msgpack:"labelIdentifier,omitempty"`
	Searchable      []string `json:"searchableFields,omitempty" msgpack:"searchable,omitempty"`
	Fields          []*Field `json:"fields" msgpack:"fields"`
	Indexes         []*Index `json:"indexes,omitempty" msgpack:"indexes,omitempty"` // custom ones (indexes.go)
}

// Field returns the field named name, or nil.
func (o *Object) Field(name string) *Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Columns returns every stored column of the object, in field order.
func (o *Object) Columns() []Column {
	var cols []Column
	for _, f := range o.Fields {
		cols = append(cols, f.Columns()...)
	}
	return cols
}

// UniqueKeys returns each unique field (other than id and relations) with
// the column that identifies it: the field's first stored column.
func (o *Object) UniqueKeys() []Column {
	var keys []Column
	for _, f := range o.Fields {
		if !f.IsUnique || f.Name == "id" || f.Type == TypeRelation {
			continue
		}
		if cols := f.Columns(); len(cols) > 0 {
			keys = append(keys, cols[0])
		}
	}
	return keys
}

// Schema is a workspace's whole metadata at one metadata version.
type Schema struct {
	Version int       `json:"version" msgpack:"version"`
	Objects []*Object `json:"objects" msgpack:"objects"`
}

// Object returns the object whose singular name is name, or nil.
func (s *Schema) Object(name string) *Object {
	for _, o := range s.Objects {
		if o.NameSingular == name {
			return o
		}
	}
	return nil
}

// ObjectByPlural returns the object whose plural name is name, or nil.
func (s *Schema) ObjectByPlural(name string) *Object {
	for _, o := range s.Objects {
		if o.NamePlural == name {
			return o
		}
	}
	return nil
}

// ObjectByID returns the object with metadata id id, or nil.
func (s *Schema) ObjectByID(id string) *Object {
	for _, o := range s.Objects {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// SortedObjects returns the objects ordered by singular name (deterministic output).
func (s *Schema) SortedObjects() []*Object {
	out := append([]*Object(nil), s.Objects...)
	sort.Slice(out, func(i, j int) bool { return out[i].NameSingular < out[j].NameSingular })
	return out
}
