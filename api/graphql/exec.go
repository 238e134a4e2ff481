package graphql

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api/gql"
)

// fieldResolver is a value whose fields are computed (records, connections).
// Introspection values are gql.Resolvers; plain map[string]any values
// resolve by key.
type fieldResolver interface {
	resolveField(e *executor, f *ast.Field, args map[string]any) (any, error)
}

func subSelections(fields []*ast.Field) []ast.SelectionSet {
	sets := make([]ast.SelectionSet, 0, len(fields))
	for _, f := range fields {
		if len(f.SelectionSet) > 0 {
			sets = append(sets, f.SelectionSet)
		}
	}
	return sets
}

// complete turns a resolved value into its JSON form under type t. ok is
// false when a non-null position could not be filled: the null then
// propagates to the nearest nullable parent (the error is already recorded).
func (e *executor) complete(t *ast.Type, v any, fields []*ast.Field, path []any) (any, bool) {
	if t.NonNull {
		inner := *t
		inner.NonNull = false
		r, ok := e.completeInner(&inner, v, fields, path)
		if !ok {
			return nil, false
		}
		if r == nil {
			e.fieldError(fields[0], path, &fieldErr{msg: fmt.Sprintf("Cannot return null for non-nullable field %s.", fieldLabel(fields[0]))})
			return nil, false
		}
		return r, true
	}
	r, ok := e.completeInner(t, v, fields, path)
	if !ok {
		return nil, true
	}
	return r, true
}

func fieldLabel(f *ast.Field) string {
	if f.ObjectDefinition != nil {
		return f.ObjectDefinition.Name + "." + f.Name
	}
	return f.Name
}

func (e *executor) completeInner(t *ast.Type, v any, fields []*ast.Field, path []any) (any, bool) {
	if v == nil {
		return nil, true
	}
	if t.Elem != nil {
		items, ok := v.([]any)
		if !ok {
			e.fieldError(fields[0], path, &fieldErr{msg: fmt.Sprintf("expected a list for %s", fieldLabel(fields[0]))})
			return nil, false
		}
		e.prefetch(t.Elem.Name(), items, fields)
		out := make([]any, len(items))
		for i, it := range items {
			r, ok := e.complete(t.Elem, it, fields, append(path, i))
			if !ok {
				return nil, false
			}
			out[i] = r
		}
		return out, true
	}
	def := e.schema.Types[t.NamedType]
	if def == nil {
		e.fieldError(fields[0], path, &fieldErr{msg: "unknown type " + t.NamedType})
		return nil, false
	}
	switch def.Kind {
	case ast.Scalar:
		r, err := serializeScalar(def.Name, v)
		if err != nil {
			e.fieldError(fields[0], path, &fieldErr{msg: err.Error()})
			return nil, false
		}
		return r, true
	case ast.Enum:
		return fmt.Sprint(v), true
	case ast.Object:
		return e.completeObject(def, v, e.groups(def, fields), path)
	}
	e.fieldError(fields[0], path, &fieldErr{msg: "cannot output a value of " + string(def.Kind) + " " + def.Name})
	return nil, false
}

// groups collects the sub-fields of fields on def, once per request: every
// item of a list shares its selection (same fields, same variables).
func (e *executor) groups(def *ast.Definition, fields []*ast.Field) []gql.FieldGroup {
	key := groupKey{def: def, first: fields[0], n: len(fields)}
	if g, ok := e.groupMemo[key]; ok {
		return g
	}
	g := gql.CollectFields(e.doc, e.vars, def.Name, subSelections(fields)...)
	if e.groupMemo == nil {
		e.groupMemo = map[groupKey][]gql.FieldGroup{}
	}
	e.groupMemo[key] = g
	return g
}

type groupKey struct {
	def   *ast.Definition
	first *ast.Field
	n     int
}

// completeObject resolves the field groups against object value v.
func (e *executor) completeObject(def *ast.Definition, v any, groups []gql.FieldGroup, path []any) (any, bool) {
	out := gql.NewObject(len(groups))
	for _, g := range groups {
		if e.fatal != nil {
			return nil, false
		}
		f := g.Fields[0]
		p := append(append([]any(nil), path...), g.Key)
		if f.Name == "__typename" {
			out.Set(g.Key, def.Name)
			continue
		}
		if f.Definition == nil {
			e.fieldError(f, p, &fieldErr{msg: fmt.Sprintf("unknown field %s on %s", f.Name, def.Name)})
			return nil, false
		}
		val, err := e.resolveField(def, v, f)
		if err != nil {
			e.fieldError(f, p, err)
			if e.fatal != nil || f.Definition.Type.NonNull {
				return nil, false
			}
			out.Set(g.Key, nil)
			continue
		}
		r, ok := e.complete(f.Definition.Type, val, g.Fields, p)
		if !ok {
			return nil, false
		}
		out.Set(g.Key, r)
	}
	return out, true
}

func (e *executor) resolveField(def *ast.Definition, v any, f *ast.Field) (val any, err error) {
	var args map[string]any
	if len(f.Definition.Arguments) > 0 {
		args = f.ArgumentMap(e.vars)
	}
	switch x := v.(type) {
	case fieldResolver:
		return x.resolveField(e, f, args)
	case gql.Resolver:
		return x.ResolveField(f, args)
	case map[string]any:
		return x[f.Name], nil
	case *gql.Object:
		return x.Get(f.Name), nil
	}
	return nil, fmt.Errorf("graphqlapi: no resolver for %s.%s (%T)", def.Name, f.Name, v)
}

// serializeScalar coerces a stored value to scalar type name's JSON form.
func serializeScalar(name string, v any) (any, error) {
	switch name {
	case "Int":
		switch n := v.(type) {
		case int64:
			return n, nil
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
			return n, nil
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
			return n, nil
		case int64:
			return float64(n), nil
		}
	case "Boolean":
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		case float64:
			return b != 0, nil
		}
	case "RawJSON", "JSON":
		return v, nil
	default: // String, ID, UUID, DateTime, Date, Cursor
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			return string(s), nil
		case int64, float64, bool:
			return fmt.Sprint(s), nil
		}
	}
	return nil, fmt.Errorf("%s cannot represent value of type %T", name, v)
}
