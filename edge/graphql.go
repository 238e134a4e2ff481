package edge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"edgecrm/accounts"
)

// The auth operations the edge answers itself on /graphql and /metadata,
// before any workspace routing (Twenty's names). Public ones need no token.
const (
	OpSignUp                       = "signUp"
	OpSignUpInWorkspace            = "signUpInWorkspace"
	OpGetLoginTokenFromCredentials = "getLoginTokenFromCredentials"
	OpGetAuthTokensFromLoginToken  = "getAuthTokensFromLoginToken"
	OpRenewToken                   = "renewToken"
	OpSignOut                      = "signOut"
)

var publicOps = map[string]bool{
	OpSignUp: true, OpSignUpInWorkspace: true, OpGetLoginTokenFromCredentials: true,
	OpGetAuthTokensFromLoginToken: true, OpRenewToken: true, OpSignOut: true,
}

// isAuthField reports whether a root field is answered by the edge.
func isAuthField(name string) bool { return publicOps[name] || accounts.IsAccessOp(name) }

// authNames is the cheap pre-filter: a body naming none of these is not an
// auth operation and is forwarded without being parsed here.
var authNames = func() []string {
	names := []string{}
	for n := range publicOps {
		names = append(names, n)
	}
	for _, n := range []string{accounts.OpCreateAPIKey, accounts.OpRevokeAPIKey, accounts.OpAPIKeys, accounts.OpGenerateAPIKeyToken,
		accounts.OpSendInvitations, accounts.OpFindWorkspaceInvitations, accounts.OpDeleteWorkspaceInvitation,
		accounts.OpUpdateWorkspaceMemberRole, accounts.OpDeleteUserFromWorkspace, accounts.OpGetRoles} {
		names = append(names, n)
	}
	return names
}()

// Sel is one field of a selection set, fragments expanded (type conditions
// are not checked: every result here has one shape).
type Sel struct {
	Name  string `json:"n"`
	Alias string `json:"a,omitempty"`
	Sub   []Sel  `json:"s,omitempty"`
}

func (s Sel) key() string {
	if s.Alias != "" {
		return s.Alias
	}
	return s.Name
}

// authCall is a parsed auth operation: one root field.
type authCall struct {
	Field Sel
	Args  map[string]any
}

type gqlBody struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// parseAuthCall says whether body is an auth operation and parses it. A
// document that mixes auth fields with others, or asks for two auth fields,
// is refused (400): each auth call is one flow.
func parseAuthCall(body string) (*authCall, bool, error) {
	found := false
	for _, n := range authNames {
		if strings.Contains(body, n) {
			found = true
			break
		}
	}
	if !found {
		return nil, false, nil
	}
	var b gqlBody
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil || b.Query == "" {
		return nil, false, nil // not ours to judge: the workspace's GraphQL API answers
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: b.Query})
	if err != nil {
		return nil, false, nil
	}
	var op *ast.OperationDefinition
	if b.OperationName != "" {
		op = doc.Operations.ForName(b.OperationName)
	} else if len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	if op == nil {
		return nil, false, nil
	}
	var fields []*ast.Field
	collectFields(doc, op.SelectionSet, &fields, 0)
	var auth []*ast.Field
	other := 0
	for _, f := range fields {
		switch {
		case f.Name == "__typename":
		case isAuthField(f.Name):
			auth = append(auth, f)
		default:
			other++
		}
	}
	if len(auth) == 0 {
		return nil, false, nil
	}
	if other > 0 || len(auth) > 1 {
		return nil, true, accounts.Errorf(400, accounts.CodeBadInput, "an authentication operation must be the only field of its request")
	}
	f := auth[0]
	vars := map[string]any{}
	for k, v := range b.Variables {
		vars[k] = normalizeJSON(v)
	}
	args := map[string]any{}
	for _, a := range f.Arguments {
		v, err := argValue(op, a.Value, vars)
		if err != nil {
			return nil, true, accounts.Errorf(400, accounts.CodeBadInput, "argument %s: %v", a.Name, err)
		}
		args[a.Name] = v
	}
	return &authCall{Field: toSel(doc, f, 0), Args: args}, true, nil
}

func argValue(op *ast.OperationDefinition, v *ast.Value, vars map[string]any) (any, error) {
	if v != nil && v.Kind == ast.Variable {
		if x, ok := vars[v.Raw]; ok {
			return x, nil
		}
		if d := op.VariableDefinitions.ForName(v.Raw); d != nil && d.DefaultValue != nil {
			return d.DefaultValue.Value(vars)
		}
		return nil, nil
	}
	return v.Value(vars)
}

func normalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeJSON(e)
		}
	}
	return v
}

const maxDepth = 20

func collectFields(doc *ast.QueryDocument, set ast.SelectionSet, out *[]*ast.Field, depth int) {
	if depth > maxDepth {
		return
	}
	for _, s := range set {
		switch x := s.(type) {
		case *ast.Field:
			*out = append(*out, x)
		case *ast.InlineFragment:
			collectFields(doc, x.SelectionSet, out, depth+1)
		case *ast.FragmentSpread:
			if fd := doc.Fragments.ForName(x.Name); fd != nil {
				collectFields(doc, fd.SelectionSet, out, depth+1)
			}
		}
	}
}

func toSel(doc *ast.QueryDocument, f *ast.Field, depth int) Sel {
	s := Sel{Name: f.Name}
	if f.Alias != "" && f.Alias != f.Name {
		s.Alias = f.Alias
	}
	if depth > maxDepth {
		return s
	}
	var fields []*ast.Field
	collectFields(doc, f.SelectionSet, &fields, depth)
	for _, c := range fields {
		s.Sub = append(s.Sub, toSel(doc, c, depth+1))
	}
	return s
}

// omap is a JSON object in selection order.
type omap struct {
	keys []string
	vals []any
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

// shape projects a result through a selection set. Results carry their
// GraphQL type in "__typename".
func shape(v any, sels []Sel) any {
	switch x := v.(type) {
	case map[string]any:
		if len(sels) == 0 {
			return nil // an object needs a selection; the client asked none
		}
		out := &omap{}
		for _, s := range sels {
			var val any
			if s.Name == "__typename" {
				val = x["__typename"]
				if val == nil {
					val = "Object"
				}
			} else {
				val = shape(x[s.Name], s.Sub)
			}
			out.keys = append(out.keys, s.key())
			out.vals = append(out.vals, val)
		}
		return out
	case []any:
		list := make([]any, len(x))
		for i, e := range x {
			list[i] = shape(e, sels)
		}
		return list
	}
	return v
}

// typed adds __typename to a result object (recursively by path).
func typed(name string, m map[string]any) map[string]any {
	m["__typename"] = name
	return m
}

// gqlCode is the GraphQL extensions.code of a status.
func gqlCode(status int) string {
	switch status {
	case 400, 413:
		return "BAD_USER_INPUT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "FORBIDDEN"
	case 404:
		return "NOT_FOUND"
	case 409:
		return "CONFLICT"
	case 429:
		return "TOO_MANY_REQUESTS"
	case 503:
		return "SERVICE_UNAVAILABLE"
	}
	return "INTERNAL_SERVER_ERROR"
}

// gqlError renders e as a GraphQL response:
// {"errors":[{"message","path","extensions":{"code","subCode","userFriendlyMessage"}}],"data":null}.
func gqlError(e *accounts.Error, field string) map[string]any {
	ext := map[string]any{"code": gqlCode(e.Status), "subCode": e.Code, "userFriendlyMessage": e.Message, "http": map[string]any{"status": e.Status}}
	errObj := map[string]any{"message": e.Message, "extensions": ext}
	if field != "" {
		errObj["path"] = []any{field}
	}
	return map[string]any{"errors": []any{errObj}, "data": nil}
}

func mustString(args map[string]any, name string) (string, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return "", accounts.Errorf(400, accounts.CodeBadInput, "%s is required", name)
	}
	s, ok := v.(string)
	if !ok {
		return "", accounts.Errorf(400, accounts.CodeBadInput, "%s must be a string", name)
	}
	return s, nil
}

func optString(args map[string]any, name string) string {
	s, _ := args[name].(string)
	return s
}

var _ = fmt.Sprint
