package gql

import (
	"fmt"
	"math"

	"github.com/vektah/gqlparser/v2/ast"
)

// Limits is the cost model of one endpoint. Parse enforces it on the parsed
// document BEFORE validation runs (gqlparser's overlapping-fields rule is
// quadratic in a selection's size) and before any selection is expanded:
// fragments are measured once each and their measures reused wherever they
// are spread, so a document of aliased fragments that would expand
// exponentially costs linear work to refuse.
type Limits struct {
	MaxDocumentBytes int   // the document's size, checked before parsing
	MaxDepth         int   // nesting of fields, fragments expanded
	MaxFields        int64 // fields selected, fragments expanded
	MaxAliases       int64 // aliased fields, fragments expanded
	MaxCost          int64 // Σ over fields of the page sizes of the lists enclosing them
	MaxOverlap       int64 // Σ over selection sets of their size squared (see Measure)
	// DefaultList is the size assumed for a list, or for a paged field
	// (first/last/limit/paging) that names no size; MaxList caps a size
	// asked for (larger pages are the executor's to refuse).
	DefaultList, MaxList int64
	// MaxIntrospection bounds the introspection root fields (__schema,
	// __type) of one request. Inside them sizes are not multiplied (the
	// schema bounds every list, and the walk is counted once per request),
	// but lists may nest at most maxIntrospectionLists deep, which
	// getIntrospectionQuery needs (types → fields → args) and a cyclic walk
	// (types → fields → type → fields → ...) exceeds.
	MaxIntrospection int
}

// DefaultLimits is the cost model of /graphql, /metadata, the auth
// operations and subscriptions. graphql-js's introspection query nests 13
// levels; Twenty's front end pages records by 60 and metadata by 1000
// (counted as MaxList).
var DefaultLimits = Limits{
	MaxDocumentBytes: 64 << 10,
	MaxDepth:         24,
	MaxFields:        2000,
	MaxAliases:       500,
	MaxCost:          1_000_000,
	MaxOverlap:       250_000,
	DefaultList:      60,
	MaxList:          10_000,
	MaxIntrospection: 10,
}

const maxIntrospectionLists = 3

// Measure is what a selection set (or a document) costs.
type Measure struct {
	Depth          int
	Fields         int64
	Aliases        int64
	Cost           int64
	Introspections int
	IntroLists     int // deepest list nesting inside introspection
	// Overlap bounds the work of gqlparser's overlapping-fields rule,
	// which compares the fields of a selection set (fragments flattened
	// into it) pairwise: Σ over selection sets of their size squared.
	Overlap int64
	flat    int64 // fields of this selection set, fragments flattened
}

func (m *Measure) add(o Measure) {
	m.Depth = max(m.Depth, o.Depth)
	m.Fields = satAdd(m.Fields, o.Fields)
	m.Aliases = satAdd(m.Aliases, o.Aliases)
	m.Cost = satAdd(m.Cost, o.Cost)
	m.Introspections += o.Introspections
	m.IntroLists = max(m.IntroLists, o.IntroLists)
	m.Overlap = satAdd(m.Overlap, o.Overlap)
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// coster measures a document. It needs no validated document: unknown
// fields and types count as leaves (validation reports them), and a
// fragment cycle counts as empty (validation reports it too).
type coster struct {
	schema *ast.Schema // nil: no types known (every field is a leaf of size 1)
	doc    *ast.QueryDocument
	vars   map[string]any
	lim    Limits
	frags  map[fragKey]*Measure // nil value: being measured (a cycle)
}

type fragKey struct {
	name  string
	intro bool
}

// CostOfDocument measures every operation of doc and every fragment no
// operation spreads (the validator walks them all) and returns the first
// limit the sum exceeds (nil when it fits). vars are the request's raw
// variables (page sizes may be variables).
func (l Limits) CostOfDocument(schema *ast.Schema, doc *ast.QueryDocument, vars map[string]any) (Measure, *Error) {
	c := &coster{schema: schema, doc: doc, vars: vars, lim: l, frags: map[fragKey]*Measure{}}
	var m Measure
	for _, op := range doc.Operations {
		m.add(c.set(op.SelectionSet, c.root(op), false))
	}
	for _, f := range doc.Fragments {
		if _, seen := c.frags[fragKey{f.Name, false}]; !seen {
			if _, seen := c.frags[fragKey{f.Name, true}]; !seen {
				m.add(c.set(ast.SelectionSet{&ast.FragmentSpread{Name: f.Name}}, nil, false))
			}
		}
	}
	return m, l.check(m)
}

func (c *coster) root(op *ast.OperationDefinition) *ast.Definition {
	if c.schema == nil {
		return nil
	}
	switch op.Operation {
	case ast.Mutation:
		return c.schema.Mutation
	case ast.Subscription:
		return c.schema.Subscription
	}
	return c.schema.Query
}

// check returns the first limit m exceeds.
func (l Limits) check(m Measure) *Error {
	var msg string
	switch {
	case m.Depth > l.MaxDepth:
		msg = fmt.Sprintf("nests fields %d levels deep; the maximum is %d", m.Depth, l.MaxDepth)
	case m.Fields > l.MaxFields:
		msg = fmt.Sprintf("selects %d fields (fragments expanded); the maximum is %d", m.Fields, l.MaxFields)
	case m.Aliases > l.MaxAliases:
		msg = fmt.Sprintf("has %d aliases (fragments expanded); the maximum is %d", m.Aliases, l.MaxAliases)
	case m.Introspections > l.MaxIntrospection:
		msg = fmt.Sprintf("has %d introspection fields (__schema, __type); the maximum is %d", m.Introspections, l.MaxIntrospection)
	case m.IntroLists > maxIntrospectionLists:
		msg = fmt.Sprintf("nests introspection lists %d deep; the maximum is %d", m.IntroLists, maxIntrospectionLists)
	case m.Overlap > l.MaxOverlap:
		msg = fmt.Sprintf("has selections too wide to validate (Σ of their sizes squared, fragments flattened: %d); the maximum is %d", m.Overlap, l.MaxOverlap)
	case m.Cost > l.MaxCost:
		msg = fmt.Sprintf("costs %d (fields × the page sizes of the lists around them); the maximum is %d", m.Cost, l.MaxCost)
	default:
		return nil
	}
	return NewError(400, CodeQueryTooComplex, "the document "+msg)
}

// set measures a selection set on a value of type def (nil: unknown).
// intro is true inside an introspection field.
func (c *coster) set(set ast.SelectionSet, def *ast.Definition, intro bool) Measure {
	var m Measure
	var n int64
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			m.add(c.field(s, def, intro))
			n++
		case *ast.InlineFragment:
			im := c.set(s.SelectionSet, c.typeOr(s.TypeCondition, def), intro)
			m.add(im)
			n = satAdd(n, im.flat)
		case *ast.FragmentSpread:
			key := fragKey{s.Name, intro}
			fm, seen := c.frags[key]
			if !seen {
				c.frags[key] = nil // a spread of it inside itself counts as empty
				if f := c.doc.Fragments.ForName(s.Name); f != nil {
					v := c.set(f.SelectionSet, c.typeOr(f.TypeCondition, def), intro)
					fm = &v
				} else {
					fm = &Measure{}
				}
				c.frags[key] = fm
			}
			if fm != nil {
				m.add(*fm)
				n = satAdd(n, fm.flat)
			}
		}
	}
	m.flat = n
	m.Overlap = satAdd(m.Overlap, satMul(n, n))
	return m
}

func (c *coster) typeOr(name string, def *ast.Definition) *ast.Definition {
	if name == "" || c.schema == nil {
		return def
	}
	return c.schema.Types[name]
}

func (c *coster) field(f *ast.Field, parent *ast.Definition, intro bool) Measure {
	var fd *ast.FieldDefinition
	var child *ast.Definition
	introRoot := false
	if c.schema != nil {
		switch f.Name {
		case "__schema":
			child, introRoot = c.schema.Types["__Schema"], true
		case "__type":
			child, introRoot = c.schema.Types["__Type"], true
		default:
			if parent != nil {
				fd = parent.Fields.ForName(f.Name)
			}
			if fd != nil {
				child = c.schema.Types[fd.Type.Name()]
			}
		}
	}
	sub := c.set(f.SelectionSet, child, intro || introRoot)
	m := Measure{Depth: 1 + sub.Depth, Fields: satAdd(1, sub.Fields), Aliases: sub.Aliases,
		Introspections: sub.Introspections, IntroLists: sub.IntroLists, Overlap: sub.Overlap}
	if f.Alias != "" && f.Alias != f.Name {
		m.Aliases = satAdd(m.Aliases, 1)
	}
	switch {
	case introRoot:
		m.Introspections++
		if f.Name == "__type" {
			m.IntroLists++ // one type of many: as deep as a list
		}
		m.Cost = satAdd(1, sub.Cost)
	case intro:
		if fd != nil && fd.Type.Elem != nil {
			m.IntroLists++
		}
		m.Cost = satAdd(1, sub.Cost)
	default:
		m.Cost = satAdd(1, satMul(c.pageSize(f, fd), sub.Cost))
	}
	return m
}

// pageSize is how many values of its type field f may return: the size its
// page arguments name (first, last, limit+offset, paging.first/last), the
// default for a paged or list field that names none, else 1. A
// connection's edges are its page: they count once, at the connection.
func (c *coster) pageSize(f *ast.Field, fd *ast.FieldDefinition) int64 {
	if fd == nil {
		return 1
	}
	paged := false
	var size, offset int64
	for _, ad := range fd.Arguments {
		switch ad.Name {
		case "first", "last", "limit", "offset", "paging":
			paged = true
		default:
			continue
		}
		a := f.Arguments.ForName(ad.Name)
		if a == nil {
			continue
		}
		v, err := a.Value.Value(c.vars)
		if err != nil {
			continue
		}
		switch ad.Name {
		case "paging":
			m, _ := v.(map[string]any)
			size = max(size, asCount(m["first"]), asCount(m["last"]))
		case "offset":
			offset = asCount(v)
		default:
			size = max(size, asCount(v))
		}
	}
	switch {
	case paged:
		if size == 0 {
			size = c.lim.DefaultList
		}
		return min(satAdd(size, offset), c.lim.MaxList)
	case fd.Type.Elem != nil && f.Name != "edges":
		return c.lim.DefaultList
	}
	return 1
}

// asCount reads a page size (0 for anything that is not a positive number).
func asCount(v any) int64 {
	switch n := v.(type) {
	case int64:
		return max(n, 0)
	case int:
		return int64(max(n, 0))
	case float64:
		if n > 0 && n < math.MaxInt64 {
			return int64(n)
		}
	}
	return 0
}
