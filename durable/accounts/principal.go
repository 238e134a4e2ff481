package accounts

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"edgecrm/api/apierr"
	"edgecrm/auth"
	"edgecrm/domain"
	"edgecrm/host"
)

// Internal headers set by the edge Worker on the requests it forwards to a
// workspace object. The shell drops every client-sent x-edgecrm-* header,
// so only the edge (after verifying a token or the admin token) sets them.
const (
	WorkspaceHeader = "x-edgecrm-workspace"
	PrincipalHeader = "x-edgecrm-principal"
)

// Principal kinds.
const (
	KindUser   = "user"   // a signed-in user (access token)
	KindAPIKey = "apiKey" // an API key token
	KindAdmin  = "admin"  // the operator (ADMIN_TOKEN), or an in-process caller (native host)
)

// Roles of a workspace member.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// RoleID is the stable id Twenty-style clients see for a role.
func RoleID(role string) string { return nameUUID("role:" + role) }

// RoleLabel is the role's display label.
func RoleLabel(role string) string {
	if role == RoleAdmin {
		return "Admin"
	}
	return "Member"
}

// ParseRole accepts a role name ("admin", "Member") or a role id.
func ParseRole(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case RoleAdmin, RoleID(RoleAdmin):
		return RoleAdmin, true
	case RoleMember, RoleID(RoleMember):
		return RoleMember, true
	}
	return "", false
}

// Principal is who a request acts for.
type Principal struct {
	Kind     string `json:"kind"`
	UserID   string `json:"userId,omitempty"`
	MemberID string `json:"memberId,omitempty"`
	FamilyID string `json:"familyId,omitempty"` // the session (refresh family) of an access token
	APIKeyID string `json:"apiKeyId,omitempty"`
	Role     string `json:"role,omitempty"` // set by Authorize from the workspace's own records
}

// Header encodes p for PrincipalHeader.
func (p Principal) Header() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// Actor is how events name the principal.
func (p Principal) Actor() string {
	switch p.Kind {
	case KindUser:
		return p.MemberID
	case KindAPIKey:
		return "apiKey:" + p.APIKeyID
	}
	return "system"
}

// PrincipalFrom reads the principal the edge attached to req.
func PrincipalFrom(req *host.Request) (Principal, error) {
	raw := req.Header(PrincipalHeader)
	if raw == "" {
		return Principal{}, apierr.NewError(401, "authentication is required")
	}
	var p Principal
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return Principal{}, apierr.NewError(401, "authentication is required")
	}
	return p, nil
}

// NormalizeEmail trims and lower-cases an address and checks its shape. It
// names the account object.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	if e == "" || len(e) > 254 {
		return "", apierr.NewError(400, "email must be a valid email address")
	}
	// domain.IsEmail, not net/mail: net/mail pulls net into the wasm.
	if !domain.IsEmail(e) || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", apierr.NewError(400, "email must be a valid email address")
	}
	return e, nil
}

// AccountObjectName is the name of the account object for a normalized email.
func AccountObjectName(email string) string { return "account:" + email }

// nameUUID derives a stable UUID from a name.
func nameUUID(name string) string {
	h := sha256.Sum256([]byte(name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// Error is a refusal with a machine code, rendered by Respond as
// {"statusCode","error","messages","code"} (Twenty's REST error shape plus
// the code). RetryAfter (seconds) adds a Retry-After header.
type Error struct {
	Status     int
	Code       string
	Message    string
	RetryAfter int
	commit     bool // the object keeps what the refused call wrote (see Account.Serve)
}

func (e *Error) Error() string { return e.Message }

// As lets apierr.FromError see an *Error as the *apierr.Error of the same status.
func (e *Error) As(target any) bool {
	if t, ok := target.(**apierr.Error); ok {
		*t = apierr.NewError(e.Status, e.Message)
		return true
	}
	return false
}

// Errorf builds an Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Codes.
const (
	CodeUnauthenticated    = "unauthenticated"
	CodeTokenExpired       = "token_expired"
	CodeForbidden          = "forbidden"
	CodeBadInput           = "bad_input"
	CodeConflict           = "conflict"
	CodeNotFound           = "not_found"
	CodeRateLimited        = "rate_limited"
	CodeUnavailable        = "unavailable"
	CodeInvalidCredentials = "invalid_credentials"
)

// InvalidCredentials is the one answer to a failed login, whether the email
// is unknown or the password wrong.
func InvalidCredentials() *Error {
	return Errorf(401, CodeInvalidCredentials, "Invalid email or password.")
}

// AsError turns any error into an *Error (the status table of apierr).
func AsError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	var authErr *auth.Error
	if asAuthError(err, &authErr) {
		return TokenError(err)
	}
	var ae *apierr.Error
	if ae = apierr.FromError(err); ae.Status == 401 {
		return &Error{Status: 401, Code: CodeUnauthenticated, Message: ae.Messages[0]}
	}
	return &Error{Status: ae.Status, Code: apierr.KindOf(ae.Status).Code, Message: ae.Messages[0]}
}

// Respond renders err in the one error shape.
func Respond(err error) *host.Response {
	e := AsError(err)
	r := host.JSONResponse(e.Status, map[string]any{"statusCode": e.Status, "error": apierr.KindOf(e.Status).Name, "messages": []string{e.Message}, "code": e.Code})
	if e.RetryAfter > 0 {
		r.Headers["retry-after"] = fmt.Sprint(e.RetryAfter)
	}
	return r
}

// ParseError reads an error response written by Respond (or api).
func ParseError(status int, body string) *Error {
	var m struct {
		Messages []string `json:"messages"`
		Code     string   `json:"code"`
	}
	_ = json.Unmarshal([]byte(body), &m)
	e := &Error{Status: status, Code: m.Code, Message: "request failed"}
	if len(m.Messages) > 0 {
		e.Message = m.Messages[0]
	}
	if e.Code == "" {
		e.Code = AsError(apierr.NewError(status, e.Message)).Code
	}
	return e
}

// RefusalFor renders err for a request to path: GraphQL's error shape on
// /graphql and /metadata, the REST shape elsewhere.
func RefusalFor(path string, err error) *host.Response {
	if path != "/graphql" && path != "/metadata" {
		return Respond(err)
	}
	e := AsError(err)
	return host.JSONResponse(e.Status, map[string]any{"errors": []any{map[string]any{"message": e.Message,
		"extensions": map[string]any{"code": apierr.KindOf(e.Status).GraphQL, "subCode": e.Code, "userFriendlyMessage": e.Message}}}, "data": nil})
}
