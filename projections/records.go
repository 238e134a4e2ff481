package projections

import (
	"encoding/json"

	"edgecrm/domain"
	"edgecrm/sqldb"
)

// Unflatten turns a table row (column → value) back into a GraphQL-shaped
// record: composites as objects, JSON parts decoded, booleans as bools,
// MANY_TO_ONE relations as `<field>Id`.
func Unflatten(obj *domain.Object, row map[string]any) map[string]any {
	rec := make(map[string]any, len(obj.Fields))
	for _, f := range obj.Fields {
		if f.Type == domain.TypeRelation {
			if f.Relation != nil && f.Relation.Type == domain.ManyToOne {
				c := f.JoinColumn()
				rec[c] = row[c]
			}
			continue
		}
		if domain.IsComposite(f.Type) {
			cols := f.Columns()
			if len(cols) == 0 {
				continue
			}
			m := make(map[string]any, len(cols))
			for _, c := range cols {
				m[c.Subfield] = readValue(c.Type, row[c.Name])
			}
			rec[f.Name] = m
			continue
		}
		rec[f.Name] = readValue(f.Type, row[f.Name])
	}
	return rec
}

// Unflattener is Unflatten for many rows of one object, its fields'
// columns listed once (a page of records would list them for each row).
type Unflattener struct {
	fields []flatField
}

type flatField struct {
	name string // the record's key: the field, or a relation's join column
	typ  domain.FieldType
	cols []domain.Column // a composite's; nil for a plain value
}

// NewUnflattener is the Unflattener of obj's rows.
func NewUnflattener(obj *domain.Object) *Unflattener {
	u := &Unflattener{fields: make([]flatField, 0, len(obj.Fields))}
	for _, f := range obj.Fields {
		switch {
		case f.Type == domain.TypeRelation:
			if f.Relation != nil && f.Relation.Type == domain.ManyToOne {
				u.fields = append(u.fields, flatField{name: f.JoinColumn(), typ: domain.TypeUUID}) // readValue keeps it as stored
			}
		case domain.IsComposite(f.Type):
			if cols := f.Columns(); len(cols) > 0 {
				u.fields = append(u.fields, flatField{name: f.Name, typ: f.Type, cols: cols})
			}
		default:
			u.fields = append(u.fields, flatField{name: f.Name, typ: f.Type})
		}
	}
	return u
}

// Unflatten is Unflatten(obj, row) of u's object.
func (u *Unflattener) Unflatten(row map[string]any) map[string]any {
	rec := make(map[string]any, len(u.fields))
	for _, f := range u.fields {
		switch {
		case f.cols != nil:
			m := make(map[string]any, len(f.cols))
			for _, c := range f.cols {
				m[c.Subfield] = readValue(c.Type, row[c.Name])
			}
			rec[f.name] = m
		default:
			rec[f.name] = readValue(f.typ, row[f.name])
		}
	}
	return rec
}

// ReadValue is the value of a column of type t as Unflatten reads it.
func ReadValue(t domain.FieldType, v any) any { return readValue(t, v) }

func readValue(t domain.FieldType, v any) any {
	if v == nil {
		switch t {
		case domain.TypeMultiSelect, domain.TypeArray:
			return nil
		}
		return nil
	}
	switch t {
	case domain.TypeBoolean:
		return sqldb.AsInt(v) != 0
	case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
		var out any
		if err := json.Unmarshal([]byte(sqldb.AsString(v)), &out); err != nil {
			return sqldb.AsString(v)
		}
		return out
	case domain.TypeNumber, domain.TypeNumeric, domain.TypePosition:
		switch x := v.(type) {
		case int64:
			return float64(x)
		}
	}
	return v
}
