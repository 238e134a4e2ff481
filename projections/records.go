package projections

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
		if subs := domain.Subfields(f.Type); subs != nil {
			if len(subs) == 0 {
				continue
			}
			names := f.SubfieldColumns() // not f.Columns(): no allocation
			m := make(map[string]any, len(subs))
			for i, sub := range subs {
				m[sub.Name] = readValue(sub.Type, row[names[i]])
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

// StoredRow makes row, a new record's row as the projector bound it
// (Projector.Created), the row SELECT * reads back, in place: each value
// as its column's affinity stores it (a column the insert did not give is
// NULL, which an absent key reads as: not added, a map grown by half its
// columns costs more than the rest). It reports false when a value
// might come back otherwise (a number in a TEXT column, text in a REAL
// one, a float SQLite might parse back differently, ...): the caller
// reads the row then.
func StoredRow(obj *domain.Object, row map[string]any) (map[string]any, bool) {
	if row == nil {
		return nil, false
	}
	var f *domain.Field
	store := func(col string, t domain.FieldType) bool {
		v, given := row[col]
		if !given { // NULL: reads as the absent key does
			return true
		}
		v, ok := storedValue(domain.SQLTypeOf(t), v)
		// The workerd bridge reads an integral REAL back as an integer,
		// which searchVector (SearchDocument) prints otherwise than the
		// float: a searchable field's is read.
		if x, isFloat := v.(float64); ok && isFloat && x == math.Trunc(x) && slices.Contains(obj.Searchable, f.Name) {
			return false
		}
		if ok {
			row[col] = v
		}
		return ok
	}
	for _, f = range obj.Fields { // as obj.Columns(), without building them
		switch subs := domain.Subfields(f.Type); {
		case f.Type == domain.TypeRelation:
			if f.Relation != nil && f.Relation.Type == domain.ManyToOne && !store(f.JoinColumn(), domain.TypeUUID) {
				return nil, false
			}
		case subs != nil:
			for i, name := range f.SubfieldColumns() {
				if !store(name, subs[i].Type) {
					return nil, false
				}
			}
		default:
			if !store(f.Name, f.Type) {
				return nil, false
			}
		}
	}
	if _, ok := row["_version"].(int64); !ok {
		return nil, false
	}
	return row, true
}

// storedValue is v bound into a column of SQL type t as SQLite reads it
// back, or false when that is not certain.
func storedValue(t domain.SQLType, v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		if t == domain.SQLText && utf8.ValidString(x) && strings.IndexByte(x, 0) < 0 {
			return v, true
		}
	case int64:
		switch t {
		case domain.SQLInteger:
			return v, true
		case domain.SQLReal:
			if x >= -1<<53 && x <= 1<<53 {
				return float64(x), true
			}
		}
	case float64:
		// Finite, not -0 (SQLite may keep an integral REAL as an integer),
		// and at most 15 significant digits, which any text-to-double
		// conversion (a JSON parameter, InsertJSON) gets exactly.
		if t == domain.SQLReal && !math.IsInf(x, 0) && !math.IsNaN(x) && !(x == 0 && math.Signbit(x)) && shortFloat(x) {
			return v, true
		}
	}
	return nil, false
}

// shortFloat reports whether x's shortest decimal form has at most 15
// significant digits.
func shortFloat(x float64) bool {
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], x, 'e', -1, 64)
	digits := 0
	for _, c := range b {
		if c == 'e' {
			break
		}
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	return digits <= 15
}
