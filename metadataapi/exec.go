package metadataapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api"
	"edgecrm/domain"
)

// A small GraphQL executor over the validated query document: resolvers are
// Go values (resolver), the schema's types drive completion, and errors
// follow the spec (a failed non-null field nulls its nearest nullable
// parent). It answers with the same error shape and status policy as
// graphqlapi, so both APIs behave alike for a client.

// resolver is a value whose fields are computed.
type resolver interface {
	resolve(x *execution, f *ast.Field, args map[string]any) (any, error)
}

// omap is a JSON object keeping insertion order (the selection's order).
type omap struct {
	keys []string
	vals []any
}

func (m *omap) set(k string, v any) {
	for i, key := range m.keys {
		if key == k {
			m.vals[i] = v
			return
		}
	}
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

func (m *omap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(m.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// gqlError is one entry of a response's "errors".
type gqlError struct {
	Message    string         `json:"message"`
	Locations  []location     `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
	status     int
}

type location struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// codes are the extension codes per status (Twenty's ErrorCode names).
var codes = map[int]string{
	400: "BAD_USER_INPUT", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
	409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE",
}

func newError(status int, code, msg string) *gqlError {
	if code == "" {
		if code = codes[status]; code == "" {
			code = "INTERNAL_SERVER_ERROR"
		}
	}
	return &gqlError{Message: msg, status: status, Extensions: map[string]any{"code": code, "statusCode": status}}
}

// inputError is bad input found by this package (not by the domain).
type inputError struct {
	field, msg string
}

func (e *inputError) Error() string { return e.msg }

func badInput(field, format string, args ...any) error {
	return &inputError{field: field, msg: fmt.Sprintf(format, args...)}
}

// toGQLError maps err by the status table; nil means an internal error.
func toGQLError(err error) *gqlError {
	var ie *inputError
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ie):
		e := newError(400, "", ie.msg)
		if ie.field != "" {
			e.Extensions["field"] = ie.field
		}
		return e
	case errors.As(err, &ve):
		e := newError(400, "", ve.Message)
		e.Extensions["field"], e.Extensions["rule"] = ve.Field, ve.Rule
		return e
	case errors.Is(err, domain.ErrNotFound):
		return newError(404, "", err.Error())
	}
	if ae := api.FromError(err); ae.Status != 500 {
		return newError(ae.Status, "", ae.Messages[0])
	}
	return nil
}

// fieldError records err at path; an internal error aborts the request.
func (x *execution) fieldError(f *ast.Field, path []any, err error) {
	ge := toGQLError(err)
	if ge == nil {
		if x.fatal == nil {
			x.fatal = fmt.Errorf("metadataapi: %s: %w", f.Name, err)
		}
		return
	}
	ge.Path = append([]any(nil), path...)
	if f.Position != nil {
		ge.Locations = []location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	x.errs = append(x.errs, ge)
}

type fieldGroup struct {
	key    string
	fields []*ast.Field
}

// collectFields applies @skip/@include, expands fragments on def and groups
// fields by response key (the schema has no interfaces or unions).
func (x *execution) collectFields(def *ast.Definition, sets []ast.SelectionSet) []fieldGroup {
	var groups []fieldGroup
	index := map[string]int{}
	visited := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if !x.included(s.Directives) {
					continue
				}
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				if i, ok := index[key]; ok {
					groups[i].fields = append(groups[i].fields, s)
				} else {
					index[key] = len(groups)
					groups = append(groups, fieldGroup{key: key, fields: []*ast.Field{s}})
				}
			case *ast.InlineFragment:
				if x.included(s.Directives) && (s.TypeCondition == "" || s.TypeCondition == def.Name) {
					walk(s.SelectionSet)
				}
			case *ast.FragmentSpread:
				if !x.included(s.Directives) || visited[s.Name] {
					continue
				}
				visited[s.Name] = true
				if frag := x.doc.Fragments.ForName(s.Name); frag != nil && frag.TypeCondition == def.Name {
					walk(frag.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		walk(set)
	}
	return groups
}

func (x *execution) included(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		b, _ := d.ArgumentMap(x.vars)["if"].(bool)
		if d.Name == "skip" && b || d.Name == "include" && !b {
			return false
		}
	}
	return true
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
	out := &omap{}
	for _, g := range x.collectFields(def, sets) {
		f := g.fields[0]
		p := append(append([]any(nil), path...), g.key)
		if f.Name == "__typename" {
			out.set(g.key, def.Name)
			continue
		}
		var val any
		var err error
		switch r := v.(type) {
		case resolver:
			val, err = r.resolve(x, f, f.ArgumentMap(x.vars))
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
			out.set(g.key, nil)
			continue
		}
		r, ok := x.complete(f.Definition.Type, val, g.fields, p)
		if !ok {
			return nil, false
		}
		out.set(g.key, r)
	}
	return out, true
}
