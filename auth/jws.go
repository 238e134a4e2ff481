package auth

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// JWS compact serialization (RFC 7515 §7.1) with RS256 (RFC 7518 §3.3) and
// nothing else, written here instead of using github.com/golang-jwt/jwt: that
// package registers ECDSA, Ed25519, HMAC and RSA-PSS in init() and imports
// crypto/x509, which together cost about half a megabyte gzip in the wasm
// Worker (docs/architecture.md, "Size budget").

// jwsHeader is the only header Issue writes, and the only members Verify
// accepts: alg (RS256), kid, and optionally typ (JWT). Field order is the
// sorted order golang-jwt wrote, so tokens are byte-identical to before.
type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// wireClaims is the JWT payload: registered claims plus Twenty-style ones.
// "sub" is the user id, or the workspace id for an API key (as in Twenty).
// Member order and encodings (aud always an array, NumericDates as whole
// seconds) are those golang-jwt's RegisteredClaims produced.
type wireClaims struct {
	Issuer            string       `json:"iss,omitempty"`
	Subject           string       `json:"sub,omitempty"`
	Audience          []string     `json:"aud,omitempty"`
	ExpiresAt         *numericDate `json:"exp,omitempty"`
	NotBefore         *numericDate `json:"nbf,omitempty"`
	IssuedAt          *numericDate `json:"iat,omitempty"`
	ID                string       `json:"jti,omitempty"`
	Type              TokenType    `json:"type"`
	UserID            string       `json:"userId,omitempty"`
	WorkspaceID       string       `json:"workspaceId,omitempty"`
	WorkspaceMemberID string       `json:"workspaceMemberId,omitempty"`
	FamilyID          string       `json:"familyId,omitempty"`
	Account           string       `json:"acct,omitempty"`
}

// numericDate is a JWT NumericDate (RFC 7519 §2), written as whole seconds.
type numericDate struct{ time.Time }

func newNumericDate(t time.Time) *numericDate { return &numericDate{t.Truncate(time.Second)} }

func (d numericDate) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, d.Unix(), 10), nil
}

// signRS256 returns the compact JWS of payload under header, signed with key.
func signRS256(header jwsHeader, payload any, key *rsa.PrivateKey) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	input := b64url(h) + "." + b64url(p)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64url(sig), nil
}

// strictB64 decodes base64url without padding and refuses non-canonical
// trailing bits.
var strictB64 = base64.RawURLEncoding.Strict()

// verifyRS256 checks token's form, header and signature against the key
// its kid names in keys, and returns the claims it carries. Only a token
// whose signature verifies has its payload decoded.
func verifyRS256(token string, keys map[string]*rsa.PublicKey) (*wireClaims, error) {
	// The base64url alphabet and two dots, nothing else (base64 decoding
	// alone would skip '\r' and '\n').
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return nil, errors.New("token is not three base64url segments")
		}
	}
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return nil, errors.New("token is not three base64url segments")
	}
	hb, err := strictB64.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("header: %v", err)
	}
	kid, err := parseHeader(hb)
	if err != nil {
		return nil, err
	}
	pub, ok := keys[kid]
	if !ok {
		return nil, fmt.Errorf("unknown kid %q", trunc(kid))
	}
	sig, err := strictB64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("signature: %v", err)
	}
	digest := sha256.Sum256([]byte(token[:len(h)+1+len(p)]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		return nil, errors.New("signature is invalid")
	}
	pb, err := strictB64.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	wc, err := parseClaims(pb)
	if err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	return wc, nil
}

// parseHeader accepts exactly {"alg":"RS256","kid":K} plus optionally
// "typ":"JWT", in any order, and returns K. Any other member is refused,
// "crit" included (RFC 7515 §4.1.11: we understand no extension), as are
// duplicate members.
func parseHeader(b []byte) (kid string, err error) {
	m, err := jsonObject(b)
	if err != nil {
		return "", fmt.Errorf("header: %v", err)
	}
	for name := range m {
		if name != "alg" && name != "kid" && name != "typ" {
			return "", fmt.Errorf("header parameter %q not supported", trunc(name))
		}
	}
	if v, ok := m["alg"]; !ok {
		return "", errors.New("no alg")
	} else if alg, err := jsonString(v); err != nil || alg != "RS256" {
		return "", fmt.Errorf("alg %s is not RS256", trunc(string(v)))
	}
	if v, ok := m["typ"]; ok {
		if typ, err := jsonString(v); err != nil || typ != "JWT" {
			return "", fmt.Errorf("typ %s is not JWT", trunc(string(v)))
		}
	}
	if kid, err = jsonString(m["kid"]); err != nil || kid == "" {
		return "", errors.New("no kid")
	}
	return kid, nil
}

// parseClaims decodes the payload: one JSON object without duplicate
// members, whose known claims have their JSON types (strings; aud a string
// or an array of strings; exp, nbf and iat numbers). Unknown claims are
// ignored; null is the same as absent.
func parseClaims(b []byte) (*wireClaims, error) {
	m, err := jsonObject(b)
	if err != nil {
		return nil, err
	}
	var wc wireClaims
	var typ string
	for _, c := range [...]struct {
		name string
		dst  *string
	}{
		{"iss", &wc.Issuer}, {"sub", &wc.Subject}, {"jti", &wc.ID}, {"type", &typ},
		{"userId", &wc.UserID}, {"workspaceId", &wc.WorkspaceID},
		{"workspaceMemberId", &wc.WorkspaceMemberID}, {"familyId", &wc.FamilyID}, {"acct", &wc.Account},
	} {
		if v, ok := m[c.name]; ok {
			if *c.dst, err = jsonString(v); err != nil {
				return nil, fmt.Errorf("claim %q is not a string", c.name)
			}
		}
	}
	wc.Type = TokenType(typ)
	if v, ok := m["aud"]; ok {
		var aud any
		if err := json.Unmarshal(v, &aud); err != nil {
			return nil, err
		}
		switch aud := aud.(type) {
		case nil:
		case string:
			wc.Audience = []string{aud}
		case []any:
			for _, a := range aud {
				s, ok := a.(string)
				if !ok {
					return nil, errors.New(`claim "aud" is not a string or an array of strings`)
				}
				wc.Audience = append(wc.Audience, s)
			}
		default:
			return nil, errors.New(`claim "aud" is not a string or an array of strings`)
		}
	}
	for _, c := range [...]struct {
		name string
		dst  **numericDate
	}{{"exp", &wc.ExpiresAt}, {"nbf", &wc.NotBefore}, {"iat", &wc.IssuedAt}} {
		if v, ok := m[c.name]; ok {
			if *c.dst, err = parseNumericDate(v); err != nil {
				return nil, fmt.Errorf("claim %q: %v", c.name, err)
			}
		}
	}
	return &wc, nil
}

// jsonString decodes v, one valid JSON value from jsonObject, as a string
// (null: ""), without encoding/json's reflection for the common case.
func jsonString(v json.RawMessage) (string, error) {
	if n := len(v); n >= 2 && v[0] == '"' && v[n-1] == '"' {
		if s := v[1 : n-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
			return string(s), nil // valid JSON: no quote or control character inside
		}
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// parseNumericDate reads a JSON number of seconds since the epoch (null:
// nil), truncated to the second as golang-jwt did.
func parseNumericDate(v json.RawMessage) (*numericDate, error) {
	if string(v) == "null" {
		return nil, nil
	}
	if len(v) == 0 || v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return nil, errors.New("not a number")
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.Abs(f) > 1<<53 {
		return nil, errors.New("number out of range")
	}
	sec, frac := math.Modf(f)
	return newNumericDate(time.Unix(int64(sec), int64(frac*1e9))), nil
}

// jsonObject decodes b, which must be exactly one JSON object, into its
// members. Duplicate member names are refused (RFC 7515 §5.2, RFC 7519 §7.2
// allow a parser to refuse them or keep the last; we refuse).
func jsonObject(b []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil { // m == nil: "null"
		return nil, errors.New("not a JSON object")
	}
	if countMembers(b) != len(m) {
		return nil, errors.New("duplicate member names")
	}
	return m, nil
}

// countMembers counts the members of the JSON object b, which must be valid
// JSON: the colons directly inside the outermost braces, outside strings.
func countMembers(b []byte) int {
	n, depth := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ':':
			if depth == 1 {
				n++
			}
		}
	}
	return n
}
