package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/host"
)

// Who a request acts for, and the token checks that tell: the edge verifies
// a Bearer token and attaches the Principal to the request it forwards; the
// workspace object checks it against its own access records.

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

// Principal is who a request acts for.
type Principal struct {
	Kind     string `json:"kind"`
	UserID   string `json:"userId,omitempty"`
	MemberID string `json:"memberId,omitempty"`
	FamilyID string `json:"familyId,omitempty"` // the session (refresh family) of an access token
	APIKeyID string `json:"apiKeyId,omitempty"`
	Role     string `json:"role,omitempty"` // set by the workspace from its own records
}

// Header encodes p for PrincipalHeader (json.Marshal's bytes).
func (p Principal) Header() string {
	b := host.AppendString(append(make([]byte, 0, 160), `{"kind":`...), p.Kind)
	for _, f := range [...]struct{ k, v string }{{"userId", p.UserID}, {"memberId", p.MemberID}, {"familyId", p.FamilyID}, {"apiKeyId", p.APIKeyID}, {"role", p.Role}} {
		if f.v != "" {
			b = host.AppendString(append(append(append(b, ",\""...), f.k...), "\":"...), f.v)
		}
	}
	return string(append(b, '}'))
}

// scan reads the header Header writes when its values need no escapes
// (ids and kinds); anything else is left to encoding/json.
func (p *Principal) scan(s string) bool {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' || strings.IndexByte(s, '\\') >= 0 {
		return false
	}
	for _, kv := range strings.Split(s[1:len(s)-1], ",") {
		k, v, ok := strings.Cut(kv, ":")
		if !ok || len(k) < 2 || len(v) < 2 || k[0] != '"' || k[len(k)-1] != '"' || v[0] != '"' || v[len(v)-1] != '"' {
			return false
		}
		v = v[1 : len(v)-1]
		switch k[1 : len(k)-1] {
		case "kind":
			p.Kind = v
		case "userId":
			p.UserID = v
		case "memberId":
			p.MemberID = v
		case "familyId":
			p.FamilyID = v
		case "apiKeyId":
			p.APIKeyID = v
		case "role":
			p.Role = v
		default:
			return false
		}
	}
	return true
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
	var p Principal
	raw := req.Header(PrincipalHeader)
	if raw != "" && p.scan(raw) {
		return p, nil
	}
	p = Principal{}
	if raw == "" || json.Unmarshal([]byte(raw), &p) != nil {
		return Principal{}, Errorf(401, CodeUnauthenticated, "authentication is required")
	}
	return p, nil
}

// PrincipalFromClaims is the principal a verified token stands for.
func PrincipalFromClaims(c Claims) Principal {
	if c.Type == TokenAPIKey {
		return Principal{Kind: KindAPIKey, APIKeyID: c.TokenID}
	}
	return Principal{Kind: KindUser, UserID: c.UserID, MemberID: c.WorkspaceMemberID, FamilyID: c.FamilyID}
}

// NormalizeEmail trims and lower-cases an address and checks its shape. It
// names the account object.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	bad := Errorf(400, CodeBadInput, "email must be a valid email address")
	if e == "" || len(e) > 254 {
		return "", bad
	}
	// domain.IsEmail, not net/mail: net/mail pulls net into the wasm.
	if !domain.IsEmail(e) || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", bad
	}
	return e, nil
}

// KV keys of the edge's caches.

// MemberCacheKey is the KV key of a user's membership in a workspace.
func MemberCacheKey(ws, userID string) string { return "member:" + ws + ":" + userID }

// DenyKey is the KV key that marks a session (refresh family) signed out.
func DenyKey(family string) string { return "deny:" + family }

// APIKeyCacheKey is the KV key of an API key's state.
func APIKeyCacheKey(id string) string { return "apikey:" + id }

// VerifyBearer verifies an access or API-key token with the isolate's keys
// and verification cache. Errors are *Error: 401 token_expired for an
// expired token, 401 unauthenticated for any other bad token, 503 when no
// key is configured.
func VerifyBearer(token string, now time.Time) (Claims, error) {
	cfg := Current()
	if cfg.Cache == nil {
		return Claims{}, Errorf(503, CodeUnavailable, "authentication is not configured: %s", cfg.KeyError)
	}
	c, err := cfg.Cache.Verify(token, tokenBearer, now)
	if err != nil {
		return Claims{}, TokenError(err)
	}
	if c.WorkspaceID == "" {
		return Claims{}, Errorf(401, CodeUnauthenticated, "Invalid token.")
	}
	return c, nil
}

// TokenError maps a verification failure to the API's answer.
func TokenError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Code == CodeTokenExpired {
		return Errorf(401, CodeTokenExpired, "Token has expired.")
	}
	return Errorf(401, CodeUnauthenticated, "Invalid token.")
}

// PeekType reads a token's unverified "type" claim, to choose what to
// verify it as (the verification checks it again).
func PeekType(token string) TokenType {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(parts[1]) > MaxTokenBytes {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var m struct {
		Type TokenType `json:"type"`
	}
	_ = json.Unmarshal(raw, &m)
	return m.Type
}
