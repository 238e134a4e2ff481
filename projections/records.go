package projections

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"edgecrm/domain"
	"edgecrm/host"
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

// RecordJSON writes rows of one object as the JSON of their records:
// the bytes host.AppendJSON writes for Unflatten's map without the hidden
// fields, without building the map (one per record and per composite:
// most of a batch create's answer went to building maps and sorting and
// hashing their keys). The key order is computed once.
type RecordJSON struct {
	fields []jsonField
}

type jsonField struct {
	key  []byte // the quoted key and its colon
	flat flatField
	subs []jsonField // a composite's columns, by subfield name; flat.name is the column
}

// NewRecordJSON is the RecordJSON of obj's rows, without the fields named
// in hidden.
func NewRecordJSON(obj *domain.Object, hidden map[string]bool) *RecordJSON {
	byKey := map[string]flatField{} // a later field of the same key wins, as in Unflatten's map
	for _, f := range NewUnflattener(obj).fields {
		if !hidden[f.name] {
			byKey[f.name] = f
		}
	}
	w := &RecordJSON{}
	for _, name := range slices.Sorted(maps.Keys(byKey)) {
		f := byKey[name]
		jf := jsonField{key: jsonKey(name), flat: f}
		cols := slices.Clone(f.cols)
		slices.SortStableFunc(cols, func(a, b domain.Column) int { return strings.Compare(a.Subfield, b.Subfield) })
		for _, c := range cols {
			jf.subs = append(jf.subs, jsonField{key: jsonKey(c.Subfield), flat: flatField{name: c.Name, typ: c.Type}})
		}
		w.fields = append(w.fields, jf)
	}
	return w
}

// RecordJSONFor is NewRecordJSON(obj, hidden), kept per object when
// nothing is hidden: a schema's objects never change (an edit copies
// them), and building one sorts and quotes every key.
func RecordJSONFor(obj *domain.Object, hidden map[string]bool) *RecordJSON {
	if len(hidden) > 0 {
		return NewRecordJSON(obj, hidden)
	}
	return recordJSONs.get(obj, "", func() *RecordJSON { return NewRecordJSON(obj, nil) })
}

var recordJSONs perObject[*RecordJSON]

func jsonKey(name string) []byte {
	b, _ := host.AppendJSON(nil, name)
	return append(b, ':')
}

// Append appends row's record.
func (w *RecordJSON) Append(b []byte, row map[string]any) ([]byte, error) {
	b = append(b, '{')
	var err error
	for i, f := range w.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		if f.subs == nil {
			if b, err = host.AppendJSON(b, readValue(f.flat.typ, row[f.flat.name])); err != nil {
				return nil, err
			}
			continue
		}
		b = append(b, '{')
		for j, s := range f.subs {
			if j > 0 {
				b = append(b, ',')
			}
			if b, err = host.AppendJSON(append(b, s.key...), readValue(s.flat.typ, row[s.flat.name])); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// List writes rows as a JSON array of their records.
func (w *RecordJSON) List(rows []map[string]any) (host.RawJSON, error) {
	b := make([]byte, 1, 512*len(rows)+2)
	b[0] = '['
	var err error
	for i, row := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = w.Append(b, row); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}
