package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"edgecrm/domain"
)

// The in-memory twin of the filter compiler: a Matcher evaluates a Twenty
// filter against one stored row (column name → value as the read model
// holds it: nil, int64, float64, string; JSON-decoded rows with float64 or
// json.Number numbers work too) with the semantics of the SQL that Compile
// and Where produce, including SQL's three-valued logic (neq, gt, not, ...
// never match a NULL column), Twenty's null equivalences and the
// soft-delete rule. Real-time subscriptions use it to decide which events a
// filtered subscription receives without a query per event.
//
// One difference is documented rather than mirrored: a nested relation
// filter on a row whose join column is NULL evaluates to NULL (SQL gives
// NULL when some target row matches and FALSE when none does); the two only
// differ under `not`.

// RowLookup returns the stored row of object's record id, or nil when it
// does not exist. Matchers call it for nested relation filters.
type RowLookup func(object, id string) (map[string]any, error)

// Matcher is a compiled filter. It is immutable and safe for concurrent use.
type Matcher struct {
	root mnode
}

// tv is a three-valued SQL truth value.
type tv int8

const (
	tFalse tv = iota
	tTrue
	tNull
)

// mnode evaluates a condition; a nil mnode does not constrain.
type mnode func(row map[string]any, lookup RowLookup) (tv, error)

// NewMatcher compiles filter for obj. It accepts exactly the filters Where
// accepts, with the same errors (*Error for a client mistake). schema
// resolves relation targets and may be nil when the filter has none.
func NewMatcher(schema *domain.Schema, obj *domain.Object, filter map[string]any) (*Matcher, error) {
	// Validate with the SQL compiler so both accept the same filters.
	if _, err := (&compiler{schema: schema, obj: obj, table: obj.NameSingular}).where(filter); err != nil {
		return nil, err
	}
	mc := &mcompiler{schema: schema, obj: obj}
	root, err := mc.where(filter)
	if err != nil {
		return nil, err
	}
	return &Matcher{root: root}, nil
}

// Match reports whether row satisfies the filter (SQL WHERE: only TRUE
// matches). lookup may be nil when the filter has no relation conditions.
func (m *Matcher) Match(row map[string]any, lookup RowLookup) (bool, error) {
	if m == nil || m.root == nil {
		return true, nil
	}
	v, err := m.root(row, lookup)
	return v == tTrue, err
}

type mcompiler struct {
	schema *domain.Schema
	obj    *domain.Object
}

func (c *mcompiler) where(filter map[string]any) (mnode, error) {
	mentions := false
	n, err := c.node(filter, &mentions)
	if err != nil {
		return nil, err
	}
	var parts []mnode
	if !mentions && c.obj.Field("deletedAt") != nil {
		parts = append(parts, func(row map[string]any, _ RowLookup) (tv, error) {
			return boolTV(row["deletedAt"] == nil), nil
		})
	}
	if n != nil {
		parts = append(parts, n)
	}
	return mAnd(parts), nil
}

func (c *mcompiler) node(m map[string]any, mentions *bool) (mnode, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []mnode
	for _, k := range keys {
		v := m[k]
		var n mnode
		var err error
		switch k {
		case "and", "or":
			n, err = c.list(k, v, mentions)
		case "not":
			if v == nil {
				continue
			}
			sub, ok := v.(map[string]any)
			if !ok {
				return nil, errorf("not", "not must be a filter object, got %s", describe(v))
			}
			n, err = c.node(sub, mentions)
			if n != nil {
				inner := n
				n = func(row map[string]any, l RowLookup) (tv, error) {
					v, err := inner(row, l)
					switch v {
					case tTrue:
						return tFalse, err
					case tFalse:
						return tTrue, err
					}
					return tNull, err
				}
			}
		default:
			n, err = c.field(k, v, mentions)
		}
		if err != nil {
			return nil, err
		}
		if n != nil {
			parts = append(parts, n)
		}
	}
	return mAnd(parts), nil
}

func (c *mcompiler) list(op string, v any, mentions *bool) (mnode, error) {
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
	var parts []mnode
	for _, it := range items {
		if it == nil {
			continue
		}
		m, ok := it.(map[string]any)
		if !ok {
			return nil, errorf(op, "%s must be a list of filter objects, got an item %s", op, describe(it))
		}
		n, err := c.node(m, mentions)
		if err != nil {
			return nil, err
		}
		if n != nil {
			parts = append(parts, n)
		}
	}
	if op == "or" {
		return mOr(parts), nil
	}
	return mAnd(parts), nil
}

func (c *mcompiler) field(key string, v any, mentions *bool) (mnode, error) {
	if key == "deletedAt" {
		*mentions = true
	}
	f, col := (&compiler{schema: c.schema, obj: c.obj}).lookup(key)
	if f == nil {
		return nil, errorf(key, "unknown field %q on object %s", key, c.obj.NameSingular)
	}
	if v == nil {
		return nil, nil
	}
	ops, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(key, "filter on field %q must be an object of operators, got %s", key, describe(v))
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
		var parts []mnode
		for _, sk := range subs {
			name := key + "." + sk
			sc := subColumn(f, sk)
			if sc == nil {
				return nil, errorf(name, "unknown subfield %q of field %q (%s) on object %s", sk, key, f.Type, c.obj.NameSingular)
			}
			if ops[sk] == nil {
				continue
			}
			sops, ok := ops[sk].(map[string]any)
			if !ok {
				return nil, errorf(name, "filter on %q must be an object of operators, got %s", name, describe(ops[sk]))
			}
			n, err := c.scalar(name, *sc, sops)
			if err != nil {
				return nil, err
			}
			if n != nil {
				parts = append(parts, n)
			}
		}
		return mAnd(parts), nil
	}
	return c.scalar(key, f.Columns()[0], ops)
}

func (c *mcompiler) relation(key string, f *domain.Field, ops map[string]any) (mnode, error) {
	if f.Relation == nil || f.Relation.Type != domain.ManyToOne {
		return nil, errorf(key, "cannot filter on one-to-many relation %q of object %s", key, c.obj.NameSingular)
	}
	if c.schema == nil {
		return nil, errorf(key, "cannot filter on relation %q: no schema to resolve its target", key)
	}
	target := c.schema.Object(f.Relation.TargetObject)
	if target == nil {
		return nil, errorf(key, "relation %q targets unknown object %q", key, f.Relation.TargetObject)
	}
	sub, err := (&mcompiler{schema: c.schema, obj: target}).where(ops)
	if err != nil {
		return nil, err
	}
	join := f.JoinColumn()
	name := target.NameSingular
	return func(row map[string]any, lookup RowLookup) (tv, error) {
		id := row[join]
		if id == nil {
			return tNull, nil
		}
		if lookup == nil {
			return tFalse, fmt.Errorf("query: filter on relation %q needs a row lookup", key)
		}
		trow, err := lookup(name, textOf(id))
		if err != nil || trow == nil {
			return tFalse, err
		}
		if sub == nil {
			return tTrue, nil
		}
		v, err := sub(trow, lookup)
		return boolTV(v == tTrue), err
	}, nil
}

func (c *mcompiler) scalar(name string, col domain.Column, ops map[string]any) (mnode, error) {
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []mnode
	for _, op := range keys {
		if !allowed(col, op) {
			return nil, errorf(name, "operator %q is not supported on field %q (%s) of object %s", op, name, col.Type, c.obj.NameSingular)
		}
		n, err := c.op(name, col, op, ops[op])
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
	}
	return mAnd(parts), nil
}

func (c *mcompiler) op(name string, col domain.Column, op string, v any) (mnode, error) {
	cn := col.Name
	k := kindOf(col)
	bad := func(want string) error {
		return errorf(name, "invalid value for %s.%s on object %s: expected %s, got %s", name, op, c.obj.NameSingular, want, describe(v))
	}
	arrayLen := func(x any) int { // json_array_length; x is not nil
		var arr []json.RawMessage
		if json.Unmarshal([]byte(textOf(x)), &arr) != nil {
			return 0
		}
		return len(arr)
	}
	switch op {
	case "is":
		s, ok := v.(string)
		s = strings.ToUpper(s)
		if !ok || (s != "NULL" && s != "NOT_NULL") {
			return nil, bad(`NULL or NOT_NULL`)
		}
		wantNull := s == "NULL"
		switch {
		case k == kText:
			return func(row map[string]any, _ RowLookup) (tv, error) {
				x := row[cn]
				empty := x == nil || cmpEqual(x, "")
				return boolTV(empty == wantNull), nil
			}, nil
		case jsonArrayColumn(col):
			return func(row map[string]any, _ RowLookup) (tv, error) {
				x := row[cn]
				empty := x == nil || arrayLen(x) == 0
				return boolTV(empty == wantNull), nil
			}, nil
		}
		return func(row map[string]any, _ RowLookup) (tv, error) {
			return boolTV((row[cn] == nil) == wantNull), nil
		}, nil

	case "isEmptyArray":
		b, ok := asBool(v)
		if !ok {
			return nil, bad("a boolean")
		}
		return func(row map[string]any, _ RowLookup) (tv, error) {
			x := row[cn]
			if b {
				return boolTV(x == nil || arrayLen(x) == 0), nil
			}
			if x == nil {
				return tNull, nil
			}
			return boolTV(arrayLen(x) > 0), nil
		}, nil

	case "like", "ilike", "startsWith", "endsWith", "containsIlike":
		s, ok := v.(string)
		if !ok {
			return nil, bad("a string")
		}
		var match func(string) bool
		switch op {
		case "like":
			pat := parseLike(s, false)
			match = func(t string) bool { return pat.match(t, false) }
		case "ilike", "containsIlike":
			pat := parseLike(s, true)
			match = func(t string) bool { return pat.match(t, true) }
		case "startsWith":
			match = func(t string) bool { return strings.HasPrefix(t, s) }
		default:
			match = func(t string) bool { return strings.HasSuffix(t, s) }
		}
		if op == "containsIlike" {
			return func(row map[string]any, _ RowLookup) (tv, error) {
				for _, e := range jsonEach(row[cn]) {
					if e != nil && match(textOf(e)) {
						return tTrue, nil
					}
				}
				return tFalse, nil
			}, nil
		}
		return func(row map[string]any, _ RowLookup) (tv, error) {
			x := row[cn]
			if x == nil {
				return tNull, nil
			}
			return boolTV(match(textOf(x))), nil
		}, nil

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
		args := make([]any, len(items))
		for i, it := range items {
			a, want := coerce(elem, it)
			if want != "" {
				return nil, errorf(name, "invalid value for %s.%s on object %s: expected a list of %s, got %s", name, op, c.obj.NameSingular, want, describe(it))
			}
			args[i] = a
		}
		if len(items) == 0 {
			return func(map[string]any, RowLookup) (tv, error) { return tFalse, nil }, nil
		}
		in := func(x any) bool {
			for _, a := range args {
				if cmpEqual(x, a) {
					return true
				}
			}
			return false
		}
		if op == "containsAny" {
			return func(row map[string]any, _ RowLookup) (tv, error) {
				for _, e := range jsonEach(row[cn]) {
					if e != nil && in(e) {
						return tTrue, nil
					}
				}
				return tFalse, nil
			}, nil
		}
		return func(row map[string]any, _ RowLookup) (tv, error) {
			x := row[cn]
			if x == nil {
				return tNull, nil
			}
			return boolTV(in(x)), nil
		}, nil

	case "eq", "neq", "gt", "gte", "lt", "lte":
		a, want := coerce(k, v)
		if want != "" {
			return nil, bad(want)
		}
		if op == "eq" && k == kText && a == "" {
			return func(row map[string]any, _ RowLookup) (tv, error) {
				x := row[cn]
				return boolTV(x == nil || cmpEqual(x, "")), nil
			}, nil
		}
		test := map[string]func(int) bool{
			"eq": func(c int) bool { return c == 0 }, "neq": func(c int) bool { return c != 0 },
			"gt": func(c int) bool { return c > 0 }, "gte": func(c int) bool { return c >= 0 },
			"lt": func(c int) bool { return c < 0 }, "lte": func(c int) bool { return c <= 0 },
		}[op]
		return func(row map[string]any, _ RowLookup) (tv, error) {
			x := row[cn]
			if x == nil {
				return tNull, nil
			}
			return boolTV(test(sqlCompare(x, a))), nil
		}, nil
	}
	return nil, errorf(name, "unknown operator %q on field %q", op, name)
}

func boolTV(b bool) tv {
	if b {
		return tTrue
	}
	return tFalse
}

// mAnd is SQL AND over the constraining parts (nil when none).
func mAnd(parts []mnode) mnode {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	return func(row map[string]any, l RowLookup) (tv, error) {
		out := tTrue
		for _, p := range parts {
			v, err := p(row, l)
			if err != nil {
				return tFalse, err
			}
			if v == tFalse {
				return tFalse, nil
			}
			if v == tNull {
				out = tNull
			}
		}
		return out, nil
	}
}

// mOr is SQL OR over the constraining parts (nil when none).
func mOr(parts []mnode) mnode {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	return func(row map[string]any, l RowLookup) (tv, error) {
		out := tFalse
		for _, p := range parts {
			v, err := p(row, l)
			if err != nil {
				return tFalse, err
			}
			if v == tTrue {
				return tTrue, nil
			}
			if v == tNull {
				out = tNull
			}
		}
		return out, nil
	}
}

// ---- SQLite value semantics ----

// numeric returns x as a number when it is one (SQLite INTEGER or REAL).
func numeric(x any) (float64, int64, bool, bool) {
	switch n := x.(type) {
	case int64:
		return float64(n), n, true, true
	case int:
		return float64(n), int64(n), true, true
	case int32:
		return float64(n), int64(n), true, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return n, int64(n), true, true
		}
		return n, 0, false, true
	case float32:
		return numeric(float64(n))
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return float64(i), i, true, true
		}
		if f, err := n.Float64(); err == nil {
			return numeric(f)
		}
	case bool: // only from decoded JSON images; stored as 0/1
		if n {
			return 1, 1, true, true
		}
		return 0, 0, true, true
	}
	return 0, 0, false, false
}

// sqlCompare orders two non-NULL values like SQLite with BINARY collation:
// numbers before text, numbers numerically, text bytewise.
func sqlCompare(a, b any) int {
	af, ai, aInt, aNum := numeric(a)
	bf, bi, bInt, bNum := numeric(b)
	switch {
	case aNum && bNum:
		if aInt && bInt {
			switch {
			case ai < bi:
				return -1
			case ai > bi:
				return 1
			}
			return 0
		}
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return strings.Compare(textOf(a), textOf(b))
}

func cmpEqual(a, b any) bool { return sqlCompare(a, b) == 0 }

// textOf renders a value as SQLite's text conversion would.
func textOf(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case json.Number:
		return string(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatFloat(v, 'f', 1, 64)
		}
		return strconv.FormatFloat(v, 'g', 15, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(x)
}

// jsonEach returns the elements of the JSON array (or the single value of a
// JSON scalar) stored in x, as json_each's value column: strings, numbers
// (json.Number), nil for null, JSON text for nested arrays and objects.
func jsonEach(x any) []any {
	if x == nil {
		return nil
	}
	raw := bytes.TrimSpace([]byte(textOf(x)))
	if len(raw) == 0 {
		return nil
	}
	var items []json.RawMessage
	if raw[0] == '[' {
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
	} else if raw[0] == '{' {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		for _, v := range obj {
			items = append(items, v)
		}
	} else {
		items = []json.RawMessage{raw}
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		it = bytes.TrimSpace(it)
		switch {
		case len(it) == 0 || string(it) == "null":
			out = append(out, nil)
		case it[0] == '"':
			var s string
			_ = json.Unmarshal(it, &s)
			out = append(out, s)
		case it[0] == '[' || it[0] == '{':
			var buf bytes.Buffer
			_ = json.Compact(&buf, it)
			out = append(out, buf.String())
		case string(it) == "true":
			out = append(out, int64(1))
		case string(it) == "false":
			out = append(out, int64(0))
		default:
			out = append(out, json.Number(it))
		}
	}
	return out
}

// likePattern is a parsed LIKE pattern: literal runes, % (any run) and _
// (one character). For `like` (case-sensitive, run as GLOB after
// likeToGlob) a trailing backslash is a literal backslash; for `ilike`
// (SQLite LIKE ... ESCAPE '\') it makes the pattern match nothing.
type likePattern struct {
	toks    []likeTok
	invalid bool
}

type likeTok struct {
	kind byte // 'l' literal, '%' any run, '_' one character
	r    rune
}

func parseLike(p string, sqliteEscape bool) likePattern {
	var lp likePattern
	esc := false
	for _, r := range p {
		if esc {
			lp.toks = append(lp.toks, likeTok{'l', r})
			esc = false
			continue
		}
		switch r {
		case '\\':
			esc = true
		case '%':
			lp.toks = append(lp.toks, likeTok{kind: '%'})
		case '_':
			lp.toks = append(lp.toks, likeTok{kind: '_'})
		default:
			lp.toks = append(lp.toks, likeTok{'l', r})
		}
	}
	if esc {
		if sqliteEscape {
			lp.invalid = true
		} else {
			lp.toks = append(lp.toks, likeTok{'l', '\\'})
		}
	}
	return lp
}

func foldASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

func (lp likePattern) match(s string, fold bool) bool {
	if lp.invalid {
		return false
	}
	return likeMatch(lp.toks, s, fold)
}

func likeMatch(toks []likeTok, s string, fold bool) bool {
	for len(toks) > 0 {
		t := toks[0]
		switch t.kind {
		case '%':
			for len(toks) > 0 && toks[0].kind == '%' {
				toks = toks[1:]
			}
			if len(toks) == 0 {
				return true
			}
			for i := 0; i <= len(s); {
				if likeMatch(toks, s[i:], fold) {
					return true
				}
				if i == len(s) {
					break
				}
				_, n := utf8.DecodeRuneInString(s[i:])
				i += n
			}
			return false
		case '_':
			if s == "" {
				return false
			}
			_, n := utf8.DecodeRuneInString(s)
			s = s[n:]
		default:
			if s == "" {
				return false
			}
			r, n := utf8.DecodeRuneInString(s)
			if r != t.r && !(fold && foldASCII(r) == foldASCII(t.r)) {
				return false
			}
			s = s[n:]
		}
		toks = toks[1:]
	}
	return s == ""
}
