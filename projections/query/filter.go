package query

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"edgecrm/domain"
)

// compiler compiles filters and orderBy for one object and table.
type compiler struct {
	schema *domain.Schema
	obj    *domain.Object
	table  string
}

// where compiles filter and adds the soft-delete rule: rows with deletedAt
// set are hidden unless the filter mentions deletedAt somewhere.
func (c *compiler) where(filter map[string]any) (frag, error) {
	mentions := false
	f, err := c.node(filter, &mentions)
	if err != nil {
		return frag{}, err
	}
	var parts []frag
	if !mentions && c.obj.Field("deletedAt") != nil {
		// Unary + keeps this term from choosing an index: it matches almost
		// every row, and without ANALYZE statistics SQLite would otherwise
		// prefer a deletedAt index over the filter's own or the order's.
		parts = append(parts, frag{sql: `+"deletedAt" IS NULL`})
	}
	if f.sql != "" {
		parts = append(parts, f)
	}
	return andAll(parts), nil
}

// node compiles one filter object: and/or/not plus field conditions, ANDed
// in key order (for deterministic SQL).
func (c *compiler) node(m map[string]any, mentions *bool) (frag, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []frag
	for _, k := range keys {
		v := m[k]
		var f frag
		var err error
		switch k {
		case "and", "or":
			f, err = c.list(k, v, mentions)
		case "not":
			if v == nil {
				continue
			}
			sub, ok := v.(map[string]any)
			if !ok {
				return frag{}, errorf("not", "not must be a filter object, got %s", describe(v))
			}
			f, err = c.node(sub, mentions)
			if f.sql != "" {
				f = frag{sql: "NOT (" + f.sql + ")", args: f.args}
			}
		default:
			f, err = c.field(k, v, mentions)
		}
		if err != nil {
			return frag{}, err
		}
		if f.sql != "" {
			parts = append(parts, f)
		}
	}
	return andAll(parts), nil
}

// list compiles and: [...] / or: [...]; a single object is taken as a list of one.
func (c *compiler) list(op string, v any, mentions *bool) (frag, error) {
	var items []any
	switch x := v.(type) {
	case nil:
		return frag{}, nil
	case []any:
		items = x
	case []map[string]any:
		for _, m := range x {
			items = append(items, m)
		}
	case map[string]any:
		items = []any{x}
	default:
		return frag{}, errorf(op, "%s must be a list of filter objects, got %s", op, describe(v))
	}
	var parts []frag
	for _, it := range items {
		if it == nil {
			continue
		}
		m, ok := it.(map[string]any)
		if !ok {
			return frag{}, errorf(op, "%s must be a list of filter objects, got an item %s", op, describe(it))
		}
		f, err := c.node(m, mentions)
		if err != nil {
			return frag{}, err
		}
		if f.sql != "" {
			parts = append(parts, f)
		}
	}
	if op == "or" {
		return join(parts, "OR"), nil
	}
	return andAll(parts), nil
}

// field compiles the condition on one field (or `<relation>Id` join column).
func (c *compiler) field(key string, v any, mentions *bool) (frag, error) {
	if key == "deletedAt" {
		*mentions = true
	}
	f, col := c.lookup(key)
	if f == nil {
		return frag{}, errorf(key, "unknown field %q on object %s", key, c.obj.NameSingular)
	}
	if v == nil {
		return frag{}, nil
	}
	ops, ok := v.(map[string]any)
	if !ok {
		return frag{}, errorf(key, "filter on field %q must be an object of operators, got %s", key, describe(v))
	}
	if col != nil {
		return c.scalar(key, *col, ops)
	}
	switch {
	case f.Type == domain.TypeRelation:
		return c.relation(key, f, ops)
	case domain.IsComposite(f.Type):
		subs := make([]string, 0, len(ops))
		for k := range ops {
			subs = append(subs, k)
		}
		sort.Strings(subs)
		var parts []frag
		for _, sk := range subs {
			name := key + "." + sk
			sc := subColumn(f, sk)
			if sc == nil {
				return frag{}, errorf(name, "unknown subfield %q of field %q (%s) on object %s", sk, key, f.Type, c.obj.NameSingular)
			}
			if ops[sk] == nil {
				continue
			}
			sops, ok := ops[sk].(map[string]any)
			if !ok {
				return frag{}, errorf(name, "filter on %q must be an object of operators, got %s", name, describe(ops[sk]))
			}
			p, err := c.scalar(name, *sc, sops)
			if err != nil {
				return frag{}, err
			}
			if p.sql != "" {
				parts = append(parts, p)
			}
		}
		return andAll(parts), nil
	}
	cols := f.Columns()
	return c.scalar(key, cols[0], ops)
}

// lookup finds a field by name, or the MANY_TO_ONE relation whose join column
// is name (then col is that column).
func (c *compiler) lookup(name string) (*domain.Field, *domain.Column) {
	if f := c.obj.Field(name); f != nil {
		return f, nil
	}
	for _, f := range c.obj.Fields {
		if f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne && f.JoinColumn() == name {
			col := f.Columns()[0]
			return f, &col
		}
	}
	return nil, nil
}

func subColumn(f *domain.Field, sub string) *domain.Column {
	for _, col := range f.Columns() {
		if col.Subfield == sub {
			return &col
		}
	}
	return nil
}

// relation compiles a nested filter on a MANY_TO_ONE relation's target:
// `company: { name: { eq: "Acme" } }` → "companyId" IN (SELECT "id" FROM
// <company table> WHERE ...). The target's table is the caller's table name
// with this object's name replaced by the target's (the DO names tables after
// objects, D1 prefixes them per workspace).
func (c *compiler) relation(key string, f *domain.Field, ops map[string]any) (frag, error) {
	if f.Relation == nil || f.Relation.Type != domain.ManyToOne {
		return frag{}, errorf(key, "cannot filter on one-to-many relation %q of object %s", key, c.obj.NameSingular)
	}
	if c.schema == nil {
		return frag{}, errorf(key, "cannot filter on relation %q: no schema to resolve its target", key)
	}
	target := c.schema.Object(f.Relation.TargetObject)
	if target == nil {
		return frag{}, errorf(key, "relation %q targets unknown object %q", key, f.Relation.TargetObject)
	}
	if !strings.HasSuffix(c.table, c.obj.NameSingular) {
		return frag{}, errorf(key, "cannot filter on relation %q: table %q is not named <prefix>%s", key, c.table, c.obj.NameSingular)
	}
	ttable := strings.TrimSuffix(c.table, c.obj.NameSingular) + target.NameSingular
	sub := &compiler{schema: c.schema, obj: target, table: ttable}
	w, err := sub.where(ops)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return frag{}, &Error{Field: key + "." + e.Field, Message: e.Message}
		}
		return frag{}, err
	}
	q := fmt.Sprintf("%s IN (SELECT \"id\" FROM %s", quote(f.JoinColumn()), quote(ttable))
	if w.sql != "" {
		q += " WHERE " + w.sql
	}
	return frag{sql: q + ")", args: w.args}, nil
}

// kind is how a column's values are compared.
type kind int

const (
	kText kind = iota
	kUUID
	kNumber
	kBool
	kDateTime
	kDate
	kSelect
	kMultiSelect
	kArray
	kJSON
)

func kindOf(col domain.Column) kind {
	switch col.Type {
	case domain.TypeText:
		return kText
	case domain.TypeUUID:
		return kUUID
	case domain.TypeNumber, domain.TypeNumeric, domain.TypePosition:
		return kNumber
	case domain.TypeBoolean:
		return kBool
	case domain.TypeDateTime:
		return kDateTime
	case domain.TypeDate:
		return kDate
	case domain.TypeSelect, domain.TypeRating:
		return kSelect
	case domain.TypeMultiSelect:
		return kMultiSelect
	case domain.TypeArray:
		return kArray
	case domain.TypeRawJSON:
		return kJSON
	}
	return kText
}

// jsonArrayColumn reports whether col holds a JSON array (Twenty stores it
// as a Postgres array or a jsonb list, whose empty value equals null).
func jsonArrayColumn(col domain.Column) bool {
	switch col.Type {
	case domain.TypeMultiSelect, domain.TypeArray:
		return true
	}
	switch col.Subfield {
	case "additionalEmails", "additionalPhones", "secondaryLinks":
		return true
	}
	return false
}

var opsByKind = map[kind][]string{
	kText:        {"eq", "neq", "in", "is", "like", "ilike", "startsWith", "endsWith", "gt", "gte", "lt", "lte"},
	kUUID:        {"eq", "neq", "in", "is"},
	kNumber:      {"eq", "neq", "in", "is", "gt", "gte", "lt", "lte"},
	kBool:        {"eq", "neq", "is"},
	kDateTime:    {"eq", "neq", "in", "is", "gt", "gte", "lt", "lte"},
	kDate:        {"eq", "neq", "in", "is", "gt", "gte", "lt", "lte"},
	kSelect:      {"eq", "neq", "in", "is"},
	kMultiSelect: {"containsAny", "isEmptyArray", "is"},
	kArray:       {"containsIlike", "containsAny", "isEmptyArray", "is"},
	kJSON:        {"like", "ilike", "is"},
}

func allowed(col domain.Column, op string) bool {
	k := kindOf(col)
	for _, o := range opsByKind[k] {
		if o == op {
			return true
		}
	}
	if k == kJSON && jsonArrayColumn(col) {
		return op == "containsIlike" || op == "isEmptyArray"
	}
	return false
}

// scalar compiles the operators on one stored column, ANDed in name order.
func (c *compiler) scalar(name string, col domain.Column, ops map[string]any) (frag, error) {
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []frag
	for _, op := range keys {
		if !allowed(col, op) {
			return frag{}, errorf(name, "operator %q is not supported on field %q (%s) of object %s; use one of %s",
				op, name, col.Type, c.obj.NameSingular, strings.Join(opsFor(col), ", "))
		}
		p, err := c.op(name, col, op, ops[op])
		if err != nil {
			return frag{}, err
		}
		parts = append(parts, p)
	}
	return andAll(parts), nil
}

func opsFor(col domain.Column) []string {
	out := append([]string(nil), opsByKind[kindOf(col)]...)
	if kindOf(col) == kJSON && jsonArrayColumn(col) {
		out = append(out, "containsIlike", "isEmptyArray")
	}
	return out
}

func (c *compiler) op(name string, col domain.Column, op string, v any) (frag, error) {
	q := quote(col.Name)
	qualified := quote(c.table) + "." + q
	k := kindOf(col)
	bad := func(want string) error {
		return errorf(name, "invalid value for %s.%s on object %s: expected %s, got %s", name, op, c.obj.NameSingular, want, describe(v))
	}
	switch op {
	case "is":
		s, ok := v.(string)
		s = strings.ToUpper(s)
		if !ok || (s != "NULL" && s != "NOT_NULL") {
			return frag{}, bad(`NULL or NOT_NULL`)
		}
		switch {
		case k == kText:
			if s == "NULL" {
				return frag{sql: fmt.Sprintf("(%s IS NULL OR %s = '')", q, q)}, nil
			}
			return frag{sql: fmt.Sprintf("(%s IS NOT NULL AND %s <> '')", q, q)}, nil
		case jsonArrayColumn(col):
			if s == "NULL" {
				return frag{sql: fmt.Sprintf("(%s IS NULL OR json_array_length(%s) = 0)", q, q)}, nil
			}
			return frag{sql: fmt.Sprintf("(%s IS NOT NULL AND json_array_length(%s) > 0)", q, q)}, nil
		}
		if s == "NULL" {
			return frag{sql: q + " IS NULL"}, nil
		}
		return frag{sql: q + " IS NOT NULL"}, nil

	case "isEmptyArray":
		b, ok := asBool(v)
		if !ok {
			return frag{}, bad("a boolean")
		}
		if b {
			return frag{sql: fmt.Sprintf("(%s IS NULL OR json_array_length(%s) = 0)", q, q)}, nil
		}
		return frag{sql: fmt.Sprintf("json_array_length(%s) > 0", q)}, nil

	case "like", "ilike", "startsWith", "endsWith", "containsIlike":
		s, ok := v.(string)
		if !ok {
			return frag{}, bad("a string")
		}
		switch op {
		case "like":
			return frag{sql: q + " GLOB ?", args: []any{likeToGlob(s)}}, nil
		case "ilike":
			return frag{sql: q + ` LIKE ? ESCAPE '\'`, args: []any{s}}, nil
		case "startsWith":
			return frag{sql: q + " GLOB ?", args: []any{globEscape(s) + "*"}}, nil
		case "endsWith":
			return frag{sql: q + " GLOB ?", args: []any{"*" + globEscape(s)}}, nil
		default: // containsIlike
			return frag{sql: fmt.Sprintf(`EXISTS (SELECT 1 FROM json_each(%s) AS "je" WHERE "je"."value" LIKE ? ESCAPE '\')`, qualified), args: []any{s}}, nil
		}

	case "in", "containsAny":
		items, ok := v.([]any)
		if !ok {
			if ss, isStrs := v.([]string); isStrs {
				for _, s := range ss {
					items = append(items, s)
				}
				ok = true
			}
		}
		if !ok {
			return frag{}, bad("a list")
		}
		elem := k
		if op == "containsAny" {
			elem = kText
		}
		args := make([]any, len(items))
		for i, it := range items {
			a, want := coerce(elem, it)
			if want != "" {
				return frag{}, errorf(name, "invalid value for %s.%s on object %s: expected a list of %s, got %s", name, op, c.obj.NameSingular, want, describe(it))
			}
			args[i] = a
		}
		if len(items) == 0 {
			return frag{sql: "0"}, nil
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(items)), ", ")
		if op == "containsAny" {
			return frag{sql: fmt.Sprintf(`EXISTS (SELECT 1 FROM json_each(%s) AS "je" WHERE "je"."value" IN (%s))`, qualified, marks), args: args}, nil
		}
		return frag{sql: fmt.Sprintf("%s IN (%s)", q, marks), args: args}, nil

	case "eq", "neq", "gt", "gte", "lt", "lte":
		a, want := coerce(k, v)
		if want != "" {
			return frag{}, bad(want)
		}
		sqlOp := map[string]string{"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
		if op == "eq" && k == kText && a == "" {
			return frag{sql: fmt.Sprintf("(%s = ? OR %s IS NULL)", q, q), args: []any{a}}, nil
		}
		return frag{sql: fmt.Sprintf("%s %s ?", q, sqlOp), args: []any{a}}, nil
	}
	return frag{}, errorf(name, "unknown operator %q on field %q", op, name)
}

// coerce converts a filter value to the column's stored form; want is the
// expected kind of value when v does not fit.
func coerce(k kind, v any) (any, string) {
	switch k {
	case kNumber:
		n, ok := asNumber(v)
		if !ok {
			return nil, "a number"
		}
		return n, ""
	case kBool:
		b, ok := asBool(v)
		if !ok {
			return nil, "a boolean"
		}
		if b {
			return int64(1), ""
		}
		return int64(0), ""
	case kDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, "an ISO 8601 date-time string"
		}
		t, ok := normTime(s)
		if !ok {
			return nil, "an ISO 8601 date-time string"
		}
		return t, ""
	}
	s, ok := v.(string)
	if !ok {
		return nil, "a string"
	}
	return s, ""
}

func asNumber(v any) (any, bool) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return x, true
	case float32:
		return float64(x), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case json.Number:
		return asNumber(string(x))
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, true
		}
	}
	return nil, false
}

func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// StoredTimeLayout is how DATE_TIME values are stored.
const StoredTimeLayout = "2006-01-02T15:04:05.000Z"

func normTime(s string) (string, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC().Format(StoredTimeLayout), true
		}
	}
	return "", false
}

// likeToGlob translates a LIKE pattern (% any run, _ one character, \
// escapes the next character) into an equivalent GLOB pattern.
func likeToGlob(p string) string {
	var b strings.Builder
	esc := false
	for _, r := range p {
		if esc {
			b.WriteString(globEscape(string(r)))
			esc = false
			continue
		}
		switch r {
		case '\\':
			esc = true
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		default:
			b.WriteString(globEscape(string(r)))
		}
	}
	if esc {
		b.WriteString(`\`)
	}
	return b.String()
}

// globEscape makes s match itself literally in a GLOB pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool, float64, int, int64, json.Number:
		return fmt.Sprint(x)
	}
	return fmt.Sprintf("%T", v)
}
