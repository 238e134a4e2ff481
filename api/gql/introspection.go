package gql

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Introspection (spec §4.2) resolved over the gqlparser schema: __Schema,
// __Type, __Field, __InputValue, __EnumValue, __Directive. The result is
// what graphql-js's buildClientSchema expects (getIntrospectionQuery with
// descriptions, specifiedByURL, directive isRepeatable and input value
// deprecation).

// Resolver is a value whose fields are computed from the field and its
// arguments alone (the introspection values). An executor completes what
// it returns like any other value: lists are []any, scalars and enums are
// already in their JSON form, objects are Resolvers.
type Resolver interface {
	ResolveField(f *ast.Field, args map[string]any) (any, error)
}

// Introspect answers the root fields __schema and __type (args as coerced)
// over schema; ok is false for any other field.
func Introspect(schema *ast.Schema, f *ast.Field, args map[string]any) (v any, ok bool) {
	switch f.Name {
	case "__schema":
		return &introSchema{s: schema}, true
	case "__type":
		name, _ := args["name"].(string)
		if d := schema.Types[name]; d != nil {
			return &introType{s: schema, def: d}, true
		}
		return nil, true
	}
	return nil, false
}

type introSchema struct{ s *ast.Schema }

func (x *introSchema) ResolveField(f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "description":
		return strOrNil(x.s.Description), nil
	case "types":
		names := make([]string, 0, len(x.s.Types))
		for n := range x.s.Types {
			names = append(names, n)
		}
		sort.Strings(names)
		out := make([]any, 0, len(names))
		for _, n := range names {
			out = append(out, &introType{s: x.s, def: x.s.Types[n]})
		}
		return out, nil
	case "queryType":
		return typeOrNil(x.s, x.s.Query), nil
	case "mutationType":
		return typeOrNil(x.s, x.s.Mutation), nil
	case "subscriptionType":
		return typeOrNil(x.s, x.s.Subscription), nil
	case "directives":
		names := make([]string, 0, len(x.s.Directives))
		for n := range x.s.Directives {
			if n != "defer" { // gqlparser's prelude has @defer; we do not stream
				names = append(names, n)
			}
		}
		sort.Strings(names)
		out := make([]any, 0, len(names))
		for _, n := range names {
			out = append(out, &introDirective{s: x.s, d: x.s.Directives[n]})
		}
		return out, nil
	}
	return nil, nil
}

func typeOrNil(s *ast.Schema, d *ast.Definition) any {
	if d == nil {
		return nil
	}
	return &introType{s: s, def: d}
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// introType is a named type (def) or a wrapper (typ: list or non-null).
type introType struct {
	s   *ast.Schema
	def *ast.Definition
	typ *ast.Type
}

func wrapType(s *ast.Schema, t *ast.Type) *introType {
	if t.NonNull || t.Elem != nil {
		return &introType{s: s, typ: t}
	}
	return &introType{s: s, def: s.Types[t.NamedType]}
}

func deprecation(dirs ast.DirectiveList) (bool, any) {
	d := dirs.ForName("deprecated")
	if d == nil {
		return false, nil
	}
	if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
		return true, a.Value.Raw
	}
	return true, "No longer supported"
}

func (x *introType) ResolveField(f *ast.Field, args map[string]any) (any, error) {
	includeDeprecated, _ := args["includeDeprecated"].(bool)
	if x.typ != nil {
		switch f.Name {
		case "kind":
			if x.typ.NonNull {
				return "NON_NULL", nil
			}
			return "LIST", nil
		case "ofType":
			if x.typ.NonNull {
				inner := *x.typ
				inner.NonNull = false
				return wrapType(x.s, &inner), nil
			}
			return wrapType(x.s, x.typ.Elem), nil
		}
		return nil, nil
	}
	d := x.def
	if d == nil {
		return nil, nil
	}
	switch f.Name {
	case "kind":
		return string(d.Kind), nil
	case "name":
		return d.Name, nil
	case "description":
		return strOrNil(d.Description), nil
	case "specifiedByURL":
		if sb := d.Directives.ForName("specifiedBy"); sb != nil {
			if a := sb.Arguments.ForName("url"); a != nil && a.Value != nil {
				return a.Value.Raw, nil
			}
		}
		return nil, nil
	case "fields":
		if d.Kind != ast.Object && d.Kind != ast.Interface {
			return nil, nil
		}
		out := []any{}
		for _, fd := range d.Fields {
			if strings.HasPrefix(fd.Name, "__") {
				continue
			}
			if dep, _ := deprecation(fd.Directives); dep && !includeDeprecated {
				continue
			}
			out = append(out, &introField{s: x.s, fd: fd})
		}
		return out, nil
	case "interfaces":
		if d.Kind != ast.Object && d.Kind != ast.Interface {
			return nil, nil
		}
		out := []any{}
		for _, n := range d.Interfaces {
			if id := x.s.Types[n]; id != nil {
				out = append(out, &introType{s: x.s, def: id})
			}
		}
		return out, nil
	case "possibleTypes":
		if !d.IsAbstractType() {
			return nil, nil
		}
		out := []any{}
		for _, pd := range x.s.PossibleTypes[d.Name] {
			out = append(out, &introType{s: x.s, def: pd})
		}
		return out, nil
	case "enumValues":
		if d.Kind != ast.Enum {
			return nil, nil
		}
		out := []any{}
		for _, ev := range d.EnumValues {
			if dep, _ := deprecation(ev.Directives); dep && !includeDeprecated {
				continue
			}
			out = append(out, &introEnumValue{ev: ev})
		}
		return out, nil
	case "inputFields":
		if d.Kind != ast.InputObject {
			return nil, nil
		}
		out := []any{}
		for _, fd := range d.Fields {
			if dep, _ := deprecation(fd.Directives); dep && !includeDeprecated {
				continue
			}
			out = append(out, &introInputValue{s: x.s, name: fd.Name, desc: fd.Description, typ: fd.Type, def: fd.DefaultValue, dirs: fd.Directives})
		}
		return out, nil
	case "ofType":
		return nil, nil
	case "isOneOf":
		if d.Kind != ast.InputObject {
			return nil, nil
		}
		return d.Directives.ForName("oneOf") != nil, nil
	}
	return nil, nil
}

type introField struct {
	s  *ast.Schema
	fd *ast.FieldDefinition
}

func (x *introField) ResolveField(f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "args":
		includeDeprecated, _ := args["includeDeprecated"].(bool)
		return inputValues(x.s, x.fd.Arguments, includeDeprecated), nil
	case "type":
		return wrapType(x.s, x.fd.Type), nil
	}
	return named(f.Name, x.fd.Name, x.fd.Description, x.fd.Directives), nil
}

// named answers the fields every named, deprecatable introspection type has
// (name, description, isDeprecated, deprecationReason); nil for others.
func named(field, name, desc string, dirs ast.DirectiveList) any {
	switch field {
	case "name":
		return name
	case "description":
		return strOrNil(desc)
	case "isDeprecated":
		dep, _ := deprecation(dirs)
		return dep
	case "deprecationReason":
		_, reason := deprecation(dirs)
		return reason
	}
	return nil
}

func inputValues(s *ast.Schema, list ast.ArgumentDefinitionList, includeDeprecated bool) []any {
	out := []any{}
	for _, a := range list {
		if dep, _ := deprecation(a.Directives); dep && !includeDeprecated {
			continue
		}
		out = append(out, &introInputValue{s: s, name: a.Name, desc: a.Description, typ: a.Type, def: a.DefaultValue, dirs: a.Directives})
	}
	return out
}

type introInputValue struct {
	s    *ast.Schema
	name string
	desc string
	typ  *ast.Type
	def  *ast.Value
	dirs ast.DirectiveList
}

func (x *introInputValue) ResolveField(f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "type":
		return wrapType(x.s, x.typ), nil
	case "defaultValue":
		if x.def == nil {
			return nil, nil
		}
		return x.def.String(), nil
	}
	return named(f.Name, x.name, x.desc, x.dirs), nil
}

type introEnumValue struct{ ev *ast.EnumValueDefinition }

func (x *introEnumValue) ResolveField(f *ast.Field, args map[string]any) (any, error) {
	return named(f.Name, x.ev.Name, x.ev.Description, x.ev.Directives), nil
}

type introDirective struct {
	s *ast.Schema
	d *ast.DirectiveDefinition
}

func (x *introDirective) ResolveField(f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "name":
		return x.d.Name, nil
	case "description":
		return strOrNil(x.d.Description), nil
	case "isRepeatable":
		return x.d.IsRepeatable, nil
	case "locations":
		out := make([]any, len(x.d.Locations))
		for i, l := range x.d.Locations {
			out[i] = string(l)
		}
		return out, nil
	case "args":
		includeDeprecated, _ := args["includeDeprecated"].(bool)
		return inputValues(x.s, x.d.Arguments, includeDeprecated), nil
	}
	return nil, nil
}
