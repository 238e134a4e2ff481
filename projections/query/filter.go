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

// The filter tree: a Twenty filter (RecordGqlOperationFilter, or the REST
// grammar after ParseRESTFilter) is parsed once, for one object, into a
// normalised tree: and/or/not, conditions on stored columns (composite
// subfields and relation join columns resolved, values coerced to the
// column's stored form), nested MANY_TO_ONE relation filters, and the
// soft-delete rule. Every client mistake is found here. The SQL compiler
// (sql.go) and the in-memory Matcher (match.go) are two back ends of it.

// Bounds on one filter. Deeper nesting or more conditions are a 400: SQLite
// limits expression depth (and a wide OR chain is a deep expression), and
// the Matcher's work grows with the size of the tree.
const (
	// MaxFilterDepth is how deeply and/or/not and relation filters nest.
	MaxFilterDepth = 32
	// MaxFilterConditions is how many operator conditions one filter holds
	// (relation filters included).
	MaxFilterConditions = 100
	// MaxPatternBytes is the longest like/ilike/startsWith/endsWith/
	// containsIlike value (SQLite refuses LIKE and GLOB patterns over 50000
	// bytes; a GLOB translation may triple a pattern).
	MaxPatternBytes = 10000
)

// nodeOp is what a filter node does.
type nodeOp uint8

const (
	opAnd  nodeOp = iota // every kid holds
	opOr                 // some kid holds
	opNot                // kids[0] does not hold
	opCond               // cond holds
	opRel                // rel holds
	opLive               // the soft-delete rule: deletedAt IS NULL
)

// fnode is a node of the filter tree. A nil *fnode does not constrain; and
// and or nodes have at least two kids.
type fnode struct {
	op   nodeOp
	kids []*fnode
	cond *cond
	rel  *relFilter
}

// cond is one operator on one stored column, its value typed as stored.
type cond struct {
	name string // the field as the client named it, dotted for subfields
	col  domain.Column
	k    kind
	op   string
	text string      // like, ilike, startsWith, endsWith, containsIlike
	pat  likePattern // like, ilike, containsIlike: text parsed
	val  any         // eq, neq, gt, gte, lt, lte: coerced
	list []any       // in, containsAny: coerced
	flag bool        // is: wants NULL; isEmptyArray: wants empty
}

// relFilter is a nested filter on a MANY_TO_ONE relation's target.
type relFilter struct {
	key    string         // relation field name
	join   string         // join column on the filtered object
	owner  *domain.Object // the filtered object
	target *domain.Object
	where  *fnode // the target's filter, soft-delete rule included
}

func mk(op nodeOp, parts []*fnode) *fnode {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	return &fnode{op: op, kids: parts}
}

// compiler resolves fields of one object (table is used by the SQL back end
// and orderBy).
type compiler struct {
	schema *domain.Schema
	obj    *domain.Object
	table  string
}

// parser builds the tree of one object's filter; sub-parsers for relation
// targets share depth accounting and the condition count.
type parser struct {
	compiler
	depth int
	conds *int
}

// parseFilter parses filter for obj, soft-delete rule included.
func parseFilter(schema *domain.Schema, obj *domain.Object, filter map[string]any) (*fnode, error) {
	n := 0
	p := &parser{compiler: compiler{schema: schema, obj: obj}, conds: &n}
	return p.where(filter)
}

// where parses filter and adds the soft-delete rule: rows with deletedAt
// set are hidden unless the filter mentions deletedAt somewhere.
func (p *parser) where(filter map[string]any) (*fnode, error) {
	mentions := false
	n, err := p.node(filter, &mentions)
	if err != nil {
		return nil, err
	}
	var parts []*fnode
	if !mentions && p.obj.Field("deletedAt") != nil {
		parts = append(parts, &fnode{op: opLive})
	}
	if n != nil {
		parts = append(parts, n)
	}
	return mk(opAnd, parts), nil
}

// enter counts one more level of nesting under field.
func (p *parser) enter(field string) error {
	p.depth++
	if p.depth > MaxFilterDepth {
		return errorf(field, "the filter nests and/or/not and relation filters more than %d levels deep", MaxFilterDepth)
	}
	return nil
}

// node parses one filter object: and/or/not plus field conditions, ANDed
// in key order (for deterministic SQL).
func (p *parser) node(m map[string]any, mentions *bool) (*fnode, error) {
	var parts []*fnode
	for _, k := range sortedKeys(m) {
		v := m[k]
		var n *fnode
		var err error
		switch k {
		case "and", "or":
			n, err = p.list(k, v, mentions)
		case "not":
			if v == nil {
				continue
			}
			sub, ok := v.(map[string]any)
			if !ok {
				return nil, errorf("not", "not must be a filter object, got %s", describe(v))
			}
			if err := p.enter("not"); err != nil {
				return nil, err
			}
			n, err = p.node(sub, mentions)
			p.depth--
			if n != nil {
				n = &fnode{op: opNot, kids: []*fnode{n}}
			}
		default:
			n, err = p.field(k, v, mentions)
		}
		if err != nil {
			return nil, err
		}
		if n != nil {
			parts = append(parts, n)
		}
	}
	return mk(opAnd, parts), nil
}

// sortedKeys returns m's keys in order (for deterministic SQL).
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// list parses and: [...] / or: [...]; a single object is taken as a list of one.
func (p *parser) list(op string, v any, mentions *bool) (*fnode, error) {
	var items []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		items = x
	case []map[string]any:
		for _, m := range x {
			items = append(items, m)
		}
	case map[string]any:
		items = []any{x}
	default:
		return nil, errorf(op, "%s must be a list of filter objects, got %s", op, describe(v))
	}
	if err := p.enter(op); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var parts []*fnode
	for _, it := range items {
		if it == nil {
			continue
		}
		m, ok := it.(map[string]any)
		if !ok {
			return nil, errorf(op, "%s must be a list of filter objects, got an item %s", op, describe(it))
		}
		n, err := p.node(m, mentions)
		if err != nil {
			return nil, err
		}
		if n != nil {
			parts = append(parts, n)
		}
	}
	if op == "or" {
		return mk(opOr, parts), nil
	}
	return mk(opAnd, parts), nil
}

// field parses the condition on one field (or `<relation>Id` join column).
func (p *parser) field(key string, v any, mentions *bool) (*fnode, error) {
	if key == "deletedAt" {
		*mentions = true
	}
	f, col := p.lookup(key)
	if f == nil {
		return nil, errorf(key, "unknown field %q on object %s", key, p.obj.NameSingular)
	}
	if v == nil {
		return nil, nil
	}
	ops, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(key, "filter on field %q must be an object of operators, got %s", key, describe(v))
	}
	if col != nil {
		return p.scalar(key, *col, ops)
	}
	switch {
	case f.Type == domain.TypeRelation:
		return p.relation(key, f, ops)
	case domain.IsComposite(f.Type):
		var parts []*fnode
		for _, sk := range sortedKeys(ops) {
			name := key + "." + sk
			sc := subColumn(f, sk)
			if sc == nil {
				return nil, errorf(name, "unknown subfield %q of field %q (%s) on object %s", sk, key, f.Type, p.obj.NameSingular)
			}
			if ops[sk] == nil {
				continue
			}
			sops, ok := ops[sk].(map[string]any)
			if !ok {
				return nil, errorf(name, "filter on %q must be an object of operators, got %s", name, describe(ops[sk]))
			}
			n, err := p.scalar(name, *sc, sops)
			if err != nil {
				return nil, err
			}
			if n != nil {
				parts = append(parts, n)
			}
		}
		return mk(opAnd, parts), nil
	}
	return p.scalar(key, f.Columns()[0], ops)
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

// relation parses a nested filter on a MANY_TO_ONE relation's target:
// `company: { name: { eq: "Acme" } }`.
func (p *parser) relation(key string, f *domain.Field, ops map[string]any) (*fnode, error) {
	if f.Relation == nil || f.Relation.Type != domain.ManyToOne {
		return nil, errorf(key, "cannot filter on one-to-many relation %q of object %s", key, p.obj.NameSingular)
	}
	if p.schema == nil {
		return nil, errorf(key, "cannot filter on relation %q: no schema to resolve its target", key)
	}
	target := p.schema.Object(f.Relation.TargetObject)
	if target == nil {
		return nil, errorf(key, "relation %q targets unknown object %q", key, f.Relation.TargetObject)
	}
	if err := p.enter(key); err != nil {
		return nil, err
	}
	sub := &parser{compiler: compiler{schema: p.schema, obj: target}, depth: p.depth, conds: p.conds}
	p.depth--
	w, err := sub.where(ops)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Field != "filter" {
			return nil, &Error{Field: key + "." + e.Field, Message: e.Message}
		}
		return nil, err
	}
	return &fnode{op: opRel, rel: &relFilter{key: key, join: f.JoinColumn(), owner: p.obj, target: target, where: w}}, nil
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

func opsFor(col domain.Column) []string {
	out := append([]string(nil), opsByKind[kindOf(col)]...)
	if kindOf(col) == kJSON && jsonArrayColumn(col) {
		out = append(out, "containsIlike", "isEmptyArray")
	}
	return out
}

// scalar parses the operators on one stored column, ANDed in name order.
func (p *parser) scalar(name string, col domain.Column, ops map[string]any) (*fnode, error) {
	var parts []*fnode
	for _, op := range sortedKeys(ops) {
		if !allowed(col, op) {
			return nil, errorf(name, "operator %q is not supported on field %q (%s) of object %s; use one of %s",
				op, name, col.Type, p.obj.NameSingular, strings.Join(opsFor(col), ", "))
		}
		*p.conds++
		if *p.conds > MaxFilterConditions {
			return nil, errorf("filter", "the filter has more than %d conditions; split the request or use an in list", MaxFilterConditions)
		}
		c, err := p.cond(name, col, op, ops[op])
		if err != nil {
			return nil, err
		}
		parts = append(parts, &fnode{op: opCond, cond: c})
	}
	return mk(opAnd, parts), nil
}

// cond checks and types the value of one operator.
func (p *parser) cond(name string, col domain.Column, op string, v any) (*cond, error) {
	k := kindOf(col)
	c := &cond{name: name, col: col, k: k, op: op}
	bad := func(want string) error {
		return errorf(name, "invalid value for %s.%s on object %s: expected %s, got %s", name, op, p.obj.NameSingular, want, describe(v))
	}
	switch op {
	case "is":
		s, ok := v.(string)
		s = strings.ToUpper(s)
		if !ok || (s != "NULL" && s != "NOT_NULL") {
			return nil, bad(`NULL or NOT_NULL`)
		}
		c.flag = s == "NULL"
	case "isEmptyArray":
		b, ok := asBool(v)
		if !ok {
			return nil, bad("a boolean")
		}
		c.flag = b
	case "like", "ilike", "startsWith", "endsWith", "containsIlike":
		s, ok := v.(string)
		if !ok {
			return nil, bad("a string")
		}
		if len(s) > MaxPatternBytes {
			return nil, errorf(name, "the %s value for %s is %d bytes long; the maximum is %d", op, name, len(s), MaxPatternBytes)
		}
		if strings.IndexByte(s, 0) >= 0 {
			// SQLite would end the pattern there.
			return nil, errorf(name, "the %s value for %s must not contain a NUL character", op, name)
		}
		c.text = s
		switch op {
		case "like":
			c.pat = parseLike(s, false)
		case "ilike", "containsIlike":
			c.pat = parseLike(s, true)
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
			return nil, bad("a list")
		}
		elem := k
		if op == "containsAny" {
			elem = kText
		}
		c.list = make([]any, len(items))
		for i, it := range items {
			a, want := coerce(elem, it)
			if want != "" {
				return nil, errorf(name, "invalid value for %s.%s on object %s: expected a list of %s, got %s", name, op, p.obj.NameSingular, want, describe(it))
			}
			c.list[i] = a
		}
	case "eq", "neq", "gt", "gte", "lt", "lte":
		a, want := coerce(k, v)
		if want != "" {
			return nil, bad(want)
		}
		c.val = a
	default:
		return nil, errorf(name, "unknown operator %q on field %q", op, name)
	}
	return c, nil
}

// emptyTextEq reports `eq: ""` on a text column, which also matches NULL.
func (c *cond) emptyTextEq() bool { return c.op == "eq" && c.k == kText && c.val == "" }

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
		return asNumber(float64(x))
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
