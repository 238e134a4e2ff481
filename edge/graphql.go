package edge

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/api/apierr"
	"edgecrm/api/gql"
	"edgecrm/api/metadata"
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
// auth operation and parses it. The document is bounded and measured
// before anything is expanded (gql.ParseOnly), then validated against the
// auth operations' schema (metadata.AuthSDL) like any operation. A
// document that mixes auth fields with others, or asks for two auth
// fields, is refused (400): each auth call is one flow. A document that
// does not parse, or exceeds the cost model, is refused here (the
// workspace would refuse it too); one that names no auth field is the
// workspace's GraphQL API's to answer.
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
		return nil, false, nil
	}
	doc, errs := gql.ParseOnly(gql.DefaultLimits, r)
	if errs != nil {
		// Whichever schema it is for, it does not parse or it costs too
		// much: the workspace would refuse it the same way.
		return nil, true, invalid(errs[0])
	}
	auth, other := 0, 0
	for _, op := range doc.Operations {
		for _, g := range gql.CollectFields(doc, r.Variables, "", op.SelectionSet) {
			for _, f := range g.Fields {
				switch {
				case f.Name == "__typename":
				case isAuthField(f.Name):
					auth++
				default:
					other++
				}
			}
		}
	}
	if auth == 0 {
		return nil, false, nil
	}
	if other > 0 || auth > 1 {
		return nil, true, accounts.Errorf(400, accounts.CodeBadInput, "an authentication operation must be the only field of its request")
	}
	schema := metadata.Schema()
	doc, op, errs := gql.Parse(schema, gql.DefaultLimits, r)
	if errs != nil {
		return nil, true, invalid(errs[0])
	}
	vars, herr := gql.Variables(schema, op, r.Variables)
	if herr != nil {
		return nil, true, invalid(herr)
	}
	groups := gql.CollectFields(doc, vars, "", op.SelectionSet)
	for _, g := range groups {
		if g.Fields[0].Name != "__typename" {
			return &authCall{Field: toSel(doc, vars, g, 0), Args: g.Fields[0].ArgumentMap(vars)}, true, nil
		}
	}
	return nil, true, accounts.Errorf(400, accounts.CodeBadInput, "the operation selects no authentication field")
}

// invalid carries a GraphQL error as the flow's error (its GraphQL code
// as the subCode).
func invalid(e *gql.Error) error {
	code, _ := e.Extensions["code"].(string)
	return accounts.Errorf(e.Status, code, "%s", e.Message)
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
func gqlError(e *accounts.Error, field string) *host.Response {
	code := apierr.KindOf(e.Status).GraphQL
	if e.Code == apierr.CodeParseFailed || e.Code == apierr.CodeValidationFailed {
		code = e.Code // the executor's own code (see invalid)
	}
	ge := &gql.Error{Message: e.Message, Extensions: map[string]any{
		"code": code, "subCode": e.Code, "userFriendlyMessage": e.Message, "http": map[string]any{"status": e.Status},
	}}
	if field != "" {
		ge.Path = []any{field}
	}
	return gql.Respond(e.Status, nil, []*gql.Error{ge})
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
