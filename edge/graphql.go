package edge

import (
	"strings"

	"edgecrm/api/apierr"
	"edgecrm/api/gql"
	"edgecrm/api/metadata"
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
	OpSignIn                       = "signIn"
	OpCheckUserExists              = "checkUserExists"
	OpPublicWorkspaceData          = "getPublicWorkspaceDataByDomain"
	OpWorkspaceFromInviteHash      = "findWorkspaceFromInviteHash"
	OpSignUpInNewWorkspace         = "signUpInNewWorkspace"
)

var publicOps = map[string]bool{
	OpSignUp: true, OpSignUpInWorkspace: true, OpGetLoginTokenFromCredentials: true,
	OpGetAuthTokensFromLoginToken: true, OpRenewToken: true, OpSignOut: true, OpSignIn: true, OpCheckUserExists: true,
	OpPublicWorkspaceData: true, OpWorkspaceFromInviteHash: true, OpSignUpInNewWorkspace: true,
	OpResendEmailVerification: true, OpEmailPasswordResetLink: true, OpValidatePasswordResetToken: true,
	OpUpdatePasswordViaResetToken: true, OpLoginFromEmailVerification: true, OpAgnosticFromEmailVerification: true,
}

// isAuthField reports whether a root field is answered by the edge.
func isAuthField(name string) bool {
	return publicOps[name] || accounts.IsAccessOp(name) || name == OpDeleteUser
}

// authNames is the cheap pre-filter: a body naming none of these is not an
// auth operation and is forwarded without being parsed here.
var authNames = func() []string {
	names := []string{}
	for n := range publicOps {
		names = append(names, n)
	}
	for _, n := range []string{accounts.OpCreateAPIKey, accounts.OpRevokeAPIKey, accounts.OpAPIKeys, accounts.OpGenerateAPIKeyToken,
		accounts.OpSendInvitations, accounts.OpFindWorkspaceInvitations, accounts.OpDeleteWorkspaceInvitation,
		accounts.OpUpdateWorkspaceMemberRole, accounts.OpDeleteUserFromWorkspace, accounts.OpGetRoles,
		accounts.OpUpdateWorkspace, accounts.OpActivateWorkspace, accounts.OpResendInvitation, accounts.OpGenerateTransientToken,
		accounts.OpDeleteCurrentWorkspace, OpDeleteUser} {
		names = append(names, n)
	}
	names = append(names, accounts.RoleOps()...)
	return names
}()

// maxAuthBody bounds the body of an auth operation: it travels sealed in
// the flow's continuation (the answer is rendered from it).
const maxAuthBody = 16 << 10

// authBody is an auth request as the flow keeps it (sealed: it holds
// credentials), to parse after the IP limit and to render the answer.
type authBody struct {
	Body        string `json:"b"`
	ContentType string `json:"c,omitempty"`
	Bearer      string `json:"t,omitempty"` // until the request is parsed
}

func (a authBody) request() *host.Request {
	h := map[string]string{"content-type": a.ContentType}
	if a.Bearer != "" {
		h["authorization"] = "Bearer " + a.Bearer
	}
	return &host.Request{Method: "POST", Body: a.Body, Headers: h}
}

// authCall is a parsed auth operation: one root field.
type authCall struct {
	Name, Key string // field name, response key
	Args      map[string]any
	Selects   map[string]bool // the result's fields the request selects
}

// mentions reports whether body names one of names (the cheap pre-filter).
func mentions(body string, names []string) bool {
	for _, n := range names {
		if strings.Contains(body, n) {
			return true
		}
	}
	return false
}

// publicNames are the public operations' names.
var publicNames = func() []string {
	names := []string{}
	for n := range publicOps {
		names = append(names, n)
	}
	return names
}()

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
	if !mentions(req.Body, authNames) {
		return nil, false, nil
	}
	r, herr := gql.ReadRequest(req, req.Path)
	if herr != nil {
		return nil, false, nil
	}
	doc, errs := gql.ParseOnly(authLimits, r)
	if errs != nil {
		return nil, true, invalid(errs[0])
	}
	nAuth, other := 0, 0
	for _, op := range doc.Operations {
		for _, g := range gql.CollectFields(doc, r.Variables, "", op.SelectionSet) {
			for _, f := range g.Fields {
				switch {
				case f.Name == "__typename":
				case isAuthField(f.Name):
					nAuth++
				default:
					other++
				}
			}
		}
	}
	if nAuth == 0 {
		return nil, false, nil
	}
	if other > 0 || nAuth > 1 {
		return nil, true, auth.Errorf(400, auth.CodeBadInput, "an authentication operation must be the only field of its request")
	}
	if len(req.Body) > maxAuthBody {
		return nil, true, auth.Errorf(413, apierr.KindOf(413).Code, "an authentication request may be at most %d bytes", maxAuthBody)
	}
	x, refusal := prepare(r)
	if refusal != nil {
		return nil, true, refusal
	}
	for _, g := range gql.CollectFields(x.Doc, x.Vars, "", x.Op.SelectionSet) {
		if f := g.Fields[0]; f.Name != "__typename" {
			sel := map[string]bool{}
			for _, c := range gql.CollectFields(x.Doc, x.Vars, "", f.SelectionSet) {
				sel[c.Fields[0].Name] = true
			}
			return &authCall{Name: f.Name, Key: g.Key, Args: f.ArgumentMap(x.Vars), Selects: sel}, true, nil
		}
	}
	return nil, true, auth.Errorf(400, auth.CodeBadInput, "the operation selects no authentication field")
}

// authLimits is the cost model of the auth operations: /metadata's
// ceiling, which Twenty's getRoles (roles × permissions × predicates)
// needs; their lists are a workspace's roles, members and keys.
var authLimits = func() gql.Limits {
	l := gql.DefaultLimits
	l.MaxCost = 5_000_000
	return l
}()

// prepare parses, measures and validates an auth request against the
// auth operations' schema and coerces its variables.
func prepare(r *gql.Request) (*gql.Executor, error) {
	schema := metadata.Schema()
	doc, op, errs := gql.Parse(schema, authLimits, r)
	if errs != nil {
		return nil, invalid(errs[0])
	}
	vars, e := gql.Variables(schema, op, r.Variables)
	if e != nil {
		return nil, invalid(e)
	}
	return &gql.Executor{Schema: schema, Doc: doc, Op: op, Vars: vars}, nil
}

// invalid carries a GraphQL error as the flow's error (its GraphQL code
// as the subCode).
func invalid(e *gql.Error) error {
	code, _ := e.Extensions["code"].(string)
	return auth.Errorf(e.Status, code, "%s", e.Message)
}

// data answers an auth operation with its result, rendered by the one
// executor through the request's selection (kept sealed in the flow).
func data(f *flow, result any) *host.Output {
	var a authBody
	if err := unseal(f.Doc, &a); err != nil {
		return respond(f, err)
	}
	r, e := gql.ReadRequest(a.request(), f.Path)
	if e != nil {
		return respond(f, invalid(e))
	}
	x, err := prepare(r)
	if err != nil {
		return respond(f, err)
	}
	out := x.Run(map[string]any{f.Op: result})
	if x.Fatal != nil {
		return respond(f, auth.Errorf(500, "internal", "the answer could not be rendered"))
	}
	return &host.Output{Response: x.Response(out)}
}

// gqlError renders e as a GraphQL response: {"data":null,"errors":[{"message",
// "path","extensions":{"code","subCode","userFriendlyMessage","http"}}]}.
func gqlError(e *auth.Error, field string) *host.Response {
	code := apierr.KindOf(e.Status).GraphQL
	if e.Code == apierr.CodeParseFailed || e.Code == apierr.CodeValidationFailed {
		code = e.Code // the executor's own code (see invalid)
	}
	ge := &gql.Error{Message: e.Message, Extensions: map[string]any{
		"code": code, "subCode": e.Code, "userFriendlyMessage": e.Friendly(), "http": map[string]any{"status": e.Status},
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
