package metadata

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api/apierr"
	"edgecrm/api/gql"
)

// A small GraphQL executor over the validated query document: resolvers are
// Go values (resolver), the schema's types drive completion, and errors
// follow the spec (a failed non-null field nulls its nearest nullable
// parent). It answers with the same error shape and status policy as
// graphqlapi, so both APIs behave alike for a client.

// resolver is a value whose fields are computed (introspection values are
// gql.Resolvers).
type resolver interface {
	resolve(x *execution, f *ast.Field, args map[string]any) (any, error)
}

func badInput(field, format string, args ...any) error {
	return apierr.BadInput(field, fmt.Sprintf(format, args...))
}

// fieldError records err at path; an internal error aborts the request.
func (x *execution) fieldError(f *ast.Field, path []any, err error) {
	ge := gql.FromError(err)
	if ge == nil {
		if x.fatal == nil {
			x.fatal = fmt.Errorf("metadataapi: %s: %w", f.Name, err)
		}
		return
	}
	x.errs = append(x.errs, ge.At(f, path))
}

// complete turns v into its JSON form under type t; ok false means a
// non-null position is null and the parent must be nulled.
func (x *execution) complete(t *ast.Type, v any, fields []*ast.Field, path []any) (any, bool) {
	r, ok := x.completeNullable(t, v, fields, path)
	if !ok {
		return nil, !t.NonNull
	}
	if r == nil && t.NonNull {
		x.fieldError(fields[0], path, fmt.Errorf("cannot return null for non-nullable field %s", fields[0].Name))
		return nil, false
	}
	return r, true
}

func (x *execution) completeNullable(t *ast.Type, v any, fields []*ast.Field, path []any) (any, bool) {
	if v == nil {
		return nil, true
	}
	if t.Elem != nil {
		items, ok := v.([]any)
		if !ok {
			x.fieldError(fields[0], path, fmt.Errorf("expected a list for %s", fields[0].Name))
			return nil, false
		}
		out := make([]any, len(items))
		for i, it := range items {
			r, ok := x.complete(t.Elem, it, fields, append(append([]any(nil), path...), i))
			if !ok {
				return nil, false
			}
			out[i] = r
		}
		return out, true
	}
	def := x.schema.Types[t.NamedType]
	if def.Kind != ast.Object {
		return v, true // scalars and enums: resolvers return their JSON form
	}
	var sets []ast.SelectionSet
	for _, f := range fields {
		sets = append(sets, f.SelectionSet)
	}
	return x.completeObject(def, v, sets, path)
}

func (x *execution) completeObject(def *ast.Definition, v any, sets []ast.SelectionSet, path []any) (any, bool) {
	out := &gql.Object{}
	for _, g := range gql.CollectFields(x.doc, x.vars, def.Name, sets...) {
		f := g.Fields[0]
		p := append(append([]any(nil), path...), g.Key)
		if f.Name == "__typename" {
			out.Set(g.Key, def.Name)
			continue
		}
		var val any
		var err error
		switch r := v.(type) {
		case resolver:
			val, err = r.resolve(x, f, f.ArgumentMap(x.vars))
		case gql.Resolver:
			val, err = r.ResolveField(f, f.ArgumentMap(x.vars))
		case map[string]any:
			val = r[f.Name]
		default:
			err = fmt.Errorf("no resolver for %s.%s (%T)", def.Name, f.Name, v)
		}
		if err != nil {
			x.fieldError(f, p, err)
			if x.fatal != nil || f.Definition.Type.NonNull {
				return nil, false
			}
			out.Set(g.Key, nil)
			continue
		}
		r, ok := x.complete(f.Definition.Type, val, g.Fields, p)
		if !ok {
			return nil, false
		}
		out.Set(g.Key, r)
	}
	return out, true
}

// edgeOnly answers an auth operation that reached the workspace: the edge
// answers those, before routing (see AuthSDL).
func edgeOnly(name string) error {
	return apierr.NewError(400, name+" is answered by the edge, not by a workspace")
}
