package gql

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/durable"
	"edgecrm/host"
)

// Executor runs one validated operation over resolvers, as the spec's
// ExecuteOperation: root fields in order (a mutation's one after another,
// stopping at the first that fails), values completed under their schema
// types, a failed non-null field nulling its nearest nullable parent, and
// every error recorded at its path. An endpoint supplies only its schema
// (in Prepare) and how its own values resolve (Resolve); introspection,
// __typename, maps and *Objects are resolved here.
type Executor struct {
	Schema *ast.Schema
	Doc    *ast.QueryDocument
	Op     *ast.OperationDefinition
	Vars   map[string]any

	// Resolve computes field f (arguments coerced) of parent, a value
	// that is not a Resolver, a map[string]any or an *Object.
	Resolve func(parent any, f *ast.Field, args map[string]any) (any, error)
	// ErrorOf renders a resolver's error; nil means an internal error,
	// which fails the whole request (Fatal). FromError when unset.
	ErrorOf func(error) *Error
	// BeforeList, when set, sees the items of a list of type elem before
	// they are completed (to batch what their selections will load).
	BeforeList func(elem string, items []any, fields []*ast.Field)
	// BeforeRoot, when set, runs before each root field.
	BeforeRoot func()

	Errs  []*Error
	Fatal error // an internal error: the request answers 500 and rolls back

	groups map[groupKey]groupSet

	// Objects and their values are cut from slabs: a page of records is
	// thousands of small objects, allocated once per chunk instead. Each
	// slab is twice the last, up to the caps: a one-record read needs a
	// few objects, and full-size slabs (19 KB, zeroed) were half of what
	// it allocated (14% of its Go time natively; in workerd the zeroing
	// did not show).
	objSlab          []Object
	valSlab          []any
	objNext, valNext int // the next slabs' sizes
}

// Slab sizes: the first, and the cap the doubling stops at.
const (
	objSlabMin, objSlabMax = 4, 64
	valSlabMin, valSlabMax = 32, 1024
)

// newObject is an object with keys and room for len(keys) values.
func (x *Executor) newObject(keys []string) *Object {
	if len(x.objSlab) == 0 {
		x.objNext = min(max(2*x.objNext, objSlabMin), objSlabMax)
		x.objSlab = make([]Object, x.objNext)
	}
	o := &x.objSlab[0]
	x.objSlab = x.objSlab[1:]
	n := len(keys)
	if n > valSlabMax/16 {
		o.vals = make([]any, 0, n)
	} else {
		if len(x.valSlab) < n {
			x.valNext = min(max(2*x.valNext, valSlabMin, n), valSlabMax)
			x.valSlab = make([]any, x.valNext)
		}
		o.vals = x.valSlab[:0:n]
		x.valSlab = x.valSlab[n:]
	}
	o.keys = keys
	return o
}

// groupSet is a selection's field groups and their response keys (shared
// by every object completed under that selection).
type groupSet struct {
	groups []FieldGroup
	keys   []string
	path   []any // the keys boxed once (a path element, a string in an any, allocates)
	typ    any   // the type's name, boxed once (__typename)
}

type groupKey struct {
	def   *ast.Definition
	first *ast.Field
	n     int
}

// Prepare reads req, parses, measures and validates its document against
// schema under lim, and coerces its variables: the executor ready to run,
// or the response refusing the request (400, 405 for a mutation over GET,
// 413). Subscriptions are refused: they are served over WebSockets.
func Prepare(req *host.Request, path string, schema *ast.Schema, lim Limits) (*Executor, *host.Response) {
	r, e := ReadRequest(req, path)
	if e != nil {
		return nil, RespondErrors(e)
	}
	doc, op, errs := Parse(schema, lim, r)
	if errs != nil {
		return nil, RespondErrors(errs...)
	}
	if op.Operation == ast.Subscription {
		return nil, RespondErrors(NewError(400, "", "subscriptions are served over the WebSocket endpoint (graphql-transport-ws), not POST "+path))
	}
	if op.Operation == ast.Mutation && req.Method == "GET" {
		return nil, RespondErrors(NewError(405, "", "mutations must be sent with POST"))
	}
	vars, e := Variables(schema, op, r.Variables)
	if e != nil {
		return nil, RespondErrors(e)
	}
	return &Executor{Schema: schema, Doc: doc, Op: op, Vars: vars}, nil
}

// Response renders the result of Run by the status policy: a query
// answers 200 with its partial data and errors; a mutation that failed
// answers its errors' highest status with null data (the request's
// writes roll back, so nothing is reported as done); else 200.
func (x *Executor) Response(data any) *host.Response {
	if x.Op.Operation == ast.Mutation && len(x.Errs) > 0 {
		return Respond(Status(x.Errs), nil, x.Errs)
	}
	return Respond(200, data, x.Errs)
}

// Fail records an internal error (the first one wins).
func (x *Executor) Fail(err error) {
	if x.Fatal == nil {
		x.Fatal = err
	}
}

// Run executes the operation from root (the value of the root type) and
// returns its data: nil when a non-null root field failed, when a
// mutation failed, or on an internal error.
func (x *Executor) Run(root any) any {
	def := x.Schema.Query
	if x.Op.Operation == ast.Mutation {
		def = x.Schema.Mutation
	}
	out := NewObject(len(x.Op.SelectionSet))
	for _, g := range CollectFields(x.Doc, x.Vars, def.Name, x.Op.SelectionSet) {
		f := g.Fields[0]
		path := append(make([]any, 0, 16), g.Key) // room for the walk's depth (complete appends)
		if f.Name == "__typename" {
			out.Set(g.Key, def.Name)
			continue
		}
		if x.BeforeRoot != nil {
			x.BeforeRoot()
		}
		before := len(x.Errs)
		var r any
		ok := true
		if val, err := x.resolveField(def, root, f, true); err != nil {
			x.fieldError(f, path, err)
			ok = !f.Definition.Type.NonNull
		} else {
			r, ok = x.complete(f.Definition.Type, val, g.Fields, path)
		}
		if x.Fatal != nil || !ok || x.Op.Operation == ast.Mutation && len(x.Errs) > before {
			return nil
		}
		out.Set(g.Key, r)
	}
	return out
}

// Groups collects the sub-fields of fields on def, once per request: every
// item of a list shares its selection (same fields, same variables).
func (x *Executor) Groups(def *ast.Definition, fields []*ast.Field) []FieldGroup {
	return x.groupSet(def, fields).groups
}

func (x *Executor) groupSet(def *ast.Definition, fields []*ast.Field) groupSet {
	key := groupKey{def: def, first: fields[0], n: len(fields)}
	if g, ok := x.groups[key]; ok {
		return g
	}
	sets := make([]ast.SelectionSet, 0, len(fields))
	for _, f := range fields {
		if len(f.SelectionSet) > 0 {
			sets = append(sets, f.SelectionSet)
		}
	}
	g := groupSet{groups: CollectFields(x.Doc, x.Vars, def.Name, sets...)}
	g.keys = make([]string, len(g.groups))
	g.path = make([]any, len(g.groups))
	for i, fg := range g.groups {
		g.keys[i], g.path[i] = fg.Key, fg.Key
	}
	g.typ = def.Name
	if x.groups == nil {
		x.groups = map[groupKey]groupSet{}
	}
	x.groups[key] = g
	return g
}

// fieldError records err on field f at path; an internal error fails the
// request instead.
func (x *Executor) fieldError(f *ast.Field, path []any, err error) {
	render := x.ErrorOf
	if render == nil {
		render = FromError
	}
	ge := render(err)
	if ge == nil {
		x.Fail(fmt.Errorf("%s: %w", fieldLabel(f), err))
		return
	}
	x.Errs = append(x.Errs, ge.At(f, path))
}

// fail records an error the executor itself finds in a resolved value
// (a resolver's bug, not the client's: 500, but the request goes on).
func (x *Executor) fail(f *ast.Field, path []any, format string, args ...any) {
	x.Errs = append(x.Errs, NewError(500, "", fmt.Sprintf(format, args...)).At(f, path))
}

func fieldLabel(f *ast.Field) string {
	if f.ObjectDefinition != nil {
		return f.ObjectDefinition.Name + "." + f.Name
	}
	return f.Name
}

// complete turns a resolved value into its JSON form under type t. ok is
// false when a non-null position could not be filled: the null then
// propagates to the nearest nullable parent (the error is recorded).
func (x *Executor) complete(t *ast.Type, v any, fields []*ast.Field, path []any) (any, bool) {
	if !t.NonNull {
		r, ok := x.completeNullable(t, v, fields, path)
		if !ok {
			return nil, true
		}
		return r, true
	}
	inner := *t
	inner.NonNull = false
	r, ok := x.completeNullable(&inner, v, fields, path)
	if !ok {
		return nil, false
	}
	if r == nil {
		x.fail(fields[0], path, "Cannot return null for non-nullable field %s.", fieldLabel(fields[0]))
		return nil, false
	}
	return r, true
}

func (x *Executor) completeNullable(t *ast.Type, v any, fields []*ast.Field, path []any) (any, bool) {
	if v == nil {
		return nil, true
	}
	if t.Elem != nil {
		items, ok := v.([]any)
		if !ok {
			x.fail(fields[0], path, "expected a list for %s", fieldLabel(fields[0]))
			return nil, false
		}
		if x.BeforeList != nil {
			x.BeforeList(t.Elem.Name(), items, fields)
		}
		out := make([]any, len(items))
		for i, it := range items {
			// path is a stack shared by the whole walk (an error copies it)
			r, ok := x.complete(t.Elem, it, fields, append(path, i))
			if !ok {
				return nil, false
			}
			out[i] = r
		}
		return out, true
	}
	def := x.Schema.Types[t.NamedType]
	if def == nil {
		x.fail(fields[0], path, "unknown type %s", t.NamedType)
		return nil, false
	}
	switch def.Kind {
	case ast.Scalar:
		r, err := serializeScalar(def.Name, v)
		if err != nil {
			x.fail(fields[0], path, "%s", err.Error())
			return nil, false
		}
		return r, true
	case ast.Enum:
		if _, ok := v.(string); ok {
			return v, true // as is: re-boxing a string allocates
		}
		return fmt.Sprint(v), true
	case ast.Object:
		return x.completeObject(def, v, x.groupSet(def, fields), path)
	}
	x.fail(fields[0], path, "cannot output a value of %s %s", def.Kind, def.Name)
	return nil, false
}

// completeObject resolves the field groups against object value v.
// Its keys are the selection's (shared), its values one slice.
func (x *Executor) completeObject(def *ast.Definition, v any, gs groupSet, path []any) (any, bool) {
	out := x.newObject(gs.keys)
	for i, g := range gs.groups {
		if x.Fatal != nil {
			return nil, false
		}
		f := g.Fields[0]
		p := append(path, gs.path[i])
		if f.Name == "__typename" {
			out.vals = append(out.vals, gs.typ)
			continue
		}
		if f.Definition == nil {
			x.fail(f, p, "unknown field %s on %s", f.Name, def.Name)
			return nil, false
		}
		val, err := x.resolveField(def, v, f, false)
		if err != nil {
			x.fieldError(f, p, err)
			if x.Fatal != nil || f.Definition.Type.NonNull {
				return nil, false
			}
			out.vals = append(out.vals, nil)
			continue
		}
		r, ok := x.complete(f.Definition.Type, val, g.Fields, p)
		if !ok {
			return nil, false
		}
		out.vals = append(out.vals, r)
	}
	return out, true
}

func (x *Executor) resolveField(def *ast.Definition, v any, f *ast.Field, root bool) (any, error) {
	var args map[string]any
	if f.Definition != nil && len(f.Definition.Arguments) > 0 {
		args = f.ArgumentMap(x.Vars)
	}
	if root {
		if r, ok := Introspect(x.Schema, f, args); ok {
			return r, nil
		}
	}
	switch p := v.(type) {
	case Resolver:
		return p.ResolveField(f, args)
	case map[string]any:
		return p[f.Name], nil
	case *Object:
		return p.Get(f.Name), nil
	}
	if x.Resolve == nil {
		return nil, fmt.Errorf("no resolver for %s.%s (%T)", def.Name, f.Name, v)
	}
	return x.Resolve(v, f, args)
}

// serializeScalar coerces a resolved value to scalar type name's JSON form
// (the spec's Int, Float, Boolean, String and ID, and the custom scalars
// of the served schemas).
func serializeScalar(name string, v any) (any, error) {
	switch name {
	case "Int":
		switch n := v.(type) {
		case int64:
			return v, nil // v as is: re-boxing allocates
		case int:
			return int64(n), nil
		case float64:
			if n != math.Trunc(n) || math.IsInf(n, 0) {
				return nil, fmt.Errorf("Int cannot represent non-integer value: %v", n)
			}
			return int64(n), nil
		case string:
			i, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("Int cannot represent value %q", n)
			}
			return i, nil
		}
	case "Float", "BigFloat":
		switch n := v.(type) {
		case float64:
			return v, nil
		case int64:
			return float64(n), nil
		case int:
			return float64(n), nil
		case json.Number:
			return n, nil
		case string:
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return nil, fmt.Errorf("%s cannot represent value %q", name, n)
			}
			return f, nil
		}
	case "Position":
		switch n := v.(type) {
		case float64, string:
			return v, nil
		case int64:
			return float64(n), nil
		}
	case "Boolean":
		switch b := v.(type) {
		case bool:
			return v, nil
		case int64:
			return b != 0, nil
		case float64:
			return b != 0, nil
		}
	case "RawJSON", "JSON":
		return v, nil
	default: // String, ID, UUID, DateTime, Date, Cursor, ConnectionCursor
		switch s := v.(type) {
		case string:
			return v, nil
		case []byte:
			return string(s), nil
		case int64, float64, bool, int:
			return fmt.Sprint(s), nil
		}
	}
	return nil, fmt.Errorf("%s cannot represent value of type %T", name, v)
}

// CommandStore keeps the answers to keyed mutations (the workspace's
// idempotency record, durable.Workspace).
type CommandStore interface {
	BeginCommand(req *host.Request, api string) (durable.Command, *host.Response, error)
	FinishCommand(c durable.Command, resp *host.Response) error
}

// RunOnce runs the operation with run (given the mutation's command id)
// and answers it (Response); a mutation runs once per command: a command
// id the client repeats answers the stored response without running, and
// a successful mutation's response is stored. An internal error (Fatal)
// is returned as the error.
func (x *Executor) RunOnce(store CommandStore, req *host.Request, api string, run func(commandID string) any) (*host.Response, error) {
	mutation := x.Op.Operation == ast.Mutation
	var cmd durable.Command
	if mutation {
		var stored *host.Response
		var err error
		if cmd, stored, err = store.BeginCommand(req, api); err != nil || stored != nil {
			if ge := KeyReused(err); ge != nil {
				return RespondErrors(ge), nil
			}
			return stored, err
		}
	}
	data := run(cmd.ID)
	if x.Fatal != nil {
		return nil, x.Fatal
	}
	resp := x.Response(data)
	if mutation && len(x.Errs) == 0 {
		if err := store.FinishCommand(cmd, resp); err != nil {
			return nil, err
		}
	}
	return resp, nil
}
