package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"edgecrm/domain"
)

// The in-memory back end of the filter tree: a Matcher evaluates a Twenty
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
	root *fnode
}

// tv is a three-valued SQL truth value.
type tv int8

const (
	tFalse tv = iota
	tTrue
	tNull
)

// NewMatcher compiles filter for obj. It accepts exactly the filters Where
// accepts, with the same errors (*Error for a client mistake). schema
// resolves relation targets and may be nil when the filter has none.
func NewMatcher(schema *domain.Schema, obj *domain.Object, filter map[string]any) (*Matcher, error) {
	tree, err := parseFilter(schema, obj, filter)
	if err != nil {
		return nil, err
	}
	// Compiled too, so that both accept the same filters (parameter limit).
	w, err := sqlWhere(tree, obj, obj.NameSingular)
	if err != nil {
		return nil, err
	}
	if err := checkParams("filter", w.args, MaxParams-WhereReserve); err != nil {
		return nil, err
	}
	return &Matcher{root: tree}, nil
}

// Match reports whether row satisfies the filter (SQL WHERE: only TRUE
// matches). lookup may be nil when the filter has no relation conditions.
func (m *Matcher) Match(row map[string]any, lookup RowLookup) (bool, error) {
	ok, _, err := m.match(row, lookup)
	return ok, err
}

// match is Match that also counts the work done (LIKE steps and nodes).
func (m *Matcher) match(row map[string]any, lookup RowLookup) (bool, int, error) {
	if m == nil || m.root == nil {
		return true, 0, nil
	}
	e := &evaluator{lookup: lookup}
	v, err := e.eval(m.root, row)
	return v == tTrue, e.steps, err
}

type evaluator struct {
	lookup RowLookup
	steps  int
}

func (e *evaluator) eval(n *fnode, row map[string]any) (tv, error) {
	e.steps++
	switch n.op {
	case opAnd, opOr:
		// SQL AND (OR): FALSE (TRUE) decides, else NULL if any is NULL.
		decide, out := tFalse, tTrue
		if n.op == opOr {
			decide, out = tTrue, tFalse
		}
		for _, k := range n.kids {
			v, err := e.eval(k, row)
			if err != nil {
				return tFalse, err
			}
			if v == decide {
				return decide, nil
			}
			if v == tNull {
				out = tNull
			}
		}
		return out, nil
	case opNot:
		v, err := e.eval(n.kids[0], row)
		switch v {
		case tTrue:
			return tFalse, err
		case tFalse:
			return tTrue, err
		}
		return tNull, err
	case opLive:
		return boolTV(row["deletedAt"] == nil), nil
	case opRel:
		return e.relation(n.rel, row)
	}
	return e.cond(n.cond, row), nil
}

func (e *evaluator) relation(r *relFilter, row map[string]any) (tv, error) {
	id := row[r.join]
	if id == nil {
		return tNull, nil
	}
	if e.lookup == nil {
		return tFalse, fmt.Errorf("query: filter on relation %q needs a row lookup", r.key)
	}
	trow, err := e.lookup(r.target.NameSingular, textOf(id))
	if err != nil || trow == nil {
		return tFalse, err
	}
	if r.where == nil {
		return tTrue, nil
	}
	v, err := e.eval(r.where, trow)
	return boolTV(v == tTrue), err
}

// like runs a LIKE pattern, counting its steps.
func (e *evaluator) like(p likePattern, s string) bool {
	ok, steps := p.match(s)
	e.steps += steps
	return ok
}

func (e *evaluator) cond(d *cond, row map[string]any) tv {
	x := row[d.col.Name]
	switch d.op {
	case "is":
		empty := x == nil
		switch {
		case d.k == kText:
			empty = empty || cmpEqual(x, "")
		case jsonArrayColumn(d.col):
			empty = empty || arrayLen(x) == 0
		}
		return boolTV(empty == d.flag)
	case "isEmptyArray":
		if d.flag {
			return boolTV(x == nil || arrayLen(x) == 0)
		}
		if x == nil {
			return tNull
		}
		return boolTV(arrayLen(x) > 0)
	case "containsIlike", "containsAny":
		for _, el := range jsonEach(x) {
			if el != nil && (d.op == "containsAny" && inList(el, d.list) || d.op == "containsIlike" && e.like(d.pat, textOf(el))) {
				return tTrue
			}
		}
		return tFalse
	}
	if d.emptyTextEq() {
		return boolTV(x == nil || cmpEqual(x, ""))
	}
	if x == nil {
		return tNull
	}
	switch d.op {
	case "like", "ilike":
		return boolTV(e.like(d.pat, textOf(x)))
	case "startsWith":
		return boolTV(strings.HasPrefix(cString(textOf(x)), d.text))
	case "endsWith":
		return boolTV(strings.HasSuffix(cString(textOf(x)), d.text))
	case "in":
		return boolTV(inList(x, d.list))
	}
	c := sqlCompare(x, d.val)
	switch d.op {
	case "eq":
		return boolTV(c == 0)
	case "neq":
		return boolTV(c != 0)
	case "gt":
		return boolTV(c > 0)
	case "gte":
		return boolTV(c >= 0)
	case "lt":
		return boolTV(c < 0)
	}
	return boolTV(c <= 0) // lte
}

func inList(x any, list []any) bool {
	for _, a := range list {
		if cmpEqual(x, a) {
			return true
		}
	}
	return false
}

// arrayLen is json_array_length of a non-NULL value.
func arrayLen(x any) int {
	var arr []json.RawMessage
	if json.Unmarshal([]byte(textOf(x)), &arr) != nil {
		return 0
	}
	return len(arr)
}

func boolTV(b bool) tv {
	if b {
		return tTrue
	}
	return tFalse
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
