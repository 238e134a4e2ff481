package edge

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api/gql"
	"edgecrm/auth"
	"edgecrm/durable/accounts"
	"edgecrm/host"
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

// parseAuthCall says whether req (a POST to /graphql or /metadata) is an
// auth operation and parses it. A document that mixes auth fields with
// others, or asks for two auth fields, is refused (400): each auth call is
// one flow.
func parseAuthCall(req *host.Request) (*authCall, bool, error) {
	found := false
	for _, n := range authNames {
		if strings.Contains(req.Body, n) {
			found = true
			break
		}
	}
	if !found {
		return nil, false, nil
	}
	r, herr := gql.ReadRequest(req, req.Path)
	if herr != nil {
		return nil, false, nil // not ours to judge: the workspace's GraphQL API answers
	}
	doc, op, errs := gql.Parse(nil, r)
	if len(errs) > 0 {
		return nil, false, nil
	}
	vars, _ := gql.Variables(nil, op, r.Variables)
	var authOps []gql.FieldGroup
	other := 0
	for _, g := range gql.CollectFields(doc, vars, "", op.SelectionSet) {
		for _, f := range g.Fields {
			switch {
			case f.Name == "__typename":
			case isAuthField(f.Name):
				authOps = append(authOps, g)
			default:
				other++
			}
		}
	}
	if len(authOps) == 0 {
		return nil, false, nil
	}
	if other > 0 || len(authOps) > 1 {
		return nil, true, auth.Errorf(400, auth.CodeBadInput, "an authentication operation must be the only field of its request")
	}
	f := authOps[0].Fields[0]
	args := map[string]any{}
	for _, a := range f.Arguments {
		v, err := a.Value.Value(vars)
		if err != nil {
			return nil, true, auth.Errorf(400, auth.CodeBadInput, "argument %s: %v", a.Name, err)
		}
		args[a.Name] = v
	}
	return &authCall{Field: toSel(doc, vars, authOps[0], 0), Args: args}, true, nil
}

const maxDepth = 20

// toSel is the selection of a field group, its fields' sub-selections
// merged, to maxDepth levels.
func toSel(doc *ast.QueryDocument, vars map[string]any, g gql.FieldGroup, depth int) Sel {
	s := Sel{Name: g.Fields[0].Name}
	if g.Key != s.Name {
		s.Alias = g.Key
	}
	if depth > maxDepth {
		return s
	}
	sets := make([]ast.SelectionSet, len(g.Fields))
	for i, f := range g.Fields {
		sets[i] = f.SelectionSet
	}
	for _, c := range gql.CollectFields(doc, vars, "", sets...) {
		s.Sub = append(s.Sub, toSel(doc, vars, c, depth+1))
	}
	return s
}

// shape projects a result through a selection set. Results carry their
// GraphQL type in "__typename".
func shape(v any, sels []Sel) any {
	switch x := v.(type) {
	case map[string]any:
		if len(sels) == 0 {
			return nil // an object needs a selection; the client asked none
		}
		out := gql.NewObject(len(sels))
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
			out.Set(s.key(), val)
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

// gqlError renders e as a GraphQL response: {"data":null,"errors":[{"message",
// "path","extensions":{"code","subCode","userFriendlyMessage","http"}}]}.
func gqlError(e *auth.Error, field string) *host.Response {
	ge := &gql.Error{Message: e.Message, Extensions: map[string]any{
		"code": gql.Code(e.Status), "subCode": e.Code, "userFriendlyMessage": e.Message, "http": map[string]any{"status": e.Status},
	}}
	if field != "" {
		ge.Path = []any{field}
	}
	return gql.Respond(e.Status, nil, []*gql.Error{ge})
}

func mustString(args map[string]any, name string) (string, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return "", auth.Errorf(400, auth.CodeBadInput, "%s is required", name)
	}
	s, ok := v.(string)
	if !ok {
		return "", auth.Errorf(400, auth.CodeBadInput, "%s must be a string", name)
	}
	return s, nil
}

func optString(args map[string]any, name string) string {
	s, _ := args[name].(string)
	return s
}
