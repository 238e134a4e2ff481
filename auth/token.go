package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
)

// TokenType is a token's purpose, carried in its "type" claim (Twenty's
// names). A token verifies only for the type it was issued as.
type TokenType string

const (
	TokenAccess  TokenType = "ACCESS"  // bearer token for API calls
	TokenRefresh TokenType = "REFRESH" // exchanged for a new pair (renewToken)
	TokenLogin   TokenType = "LOGIN"   // short-lived, exchanged for a pair (getAuthTokensFromLoginToken)
	TokenAPIKey  TokenType = "API_KEY" // long-lived, names a workspace; TokenID is the API key id
	// TokenTransient: generateTransientToken's, minutes long; no API takes
	// it as a bearer (Twenty's frontend hands it to other services).
	TokenTransient TokenType = "TRANSIENT"
)

func (t TokenType) valid() bool {
	switch t {
	case TokenAccess, TokenRefresh, TokenLogin, TokenAPIKey, TokenTransient:
		return true
	}
	return false
}

// MaxTokenBytes bounds the length of a token Verify will parse.
const MaxTokenBytes = 8 << 10

// Claims is what a token says. On Issue, Type and the ids required for it are
// input; TokenID defaults to a fresh NewID; Issuer and Audience default to
// the Keys' (and must be left empty or equal to them to verify later);
// IssuedAt and ExpiresAt are set. Verify returns the same fields.
//
// Required per type: ACCESS and LOGIN need UserID; REFRESH needs UserID and
// FamilyID; API_KEY needs WorkspaceID.
type Claims struct {
	Type              TokenType
	UserID            string
	WorkspaceID       string
	WorkspaceMemberID string
	TokenID           string // "jti"
	FamilyID          string // refresh-token family (one per login session); access tokens carry it too
	Account           string // "acct": opaque id of the user's account object (routing only)
	Issuer            string // "iss"
	Audience          string // "aud"
	IssuedAt          time.Time
	ExpiresAt         time.Time
}

func (c Claims) check() error {
	if !c.Type.valid() {
		return fmt.Errorf("unknown token type %q", c.Type)
	}
	missing := func(name string) error { return fmt.Errorf("%s token without %s", c.Type, name) }
	switch c.Type {
	case TokenAccess, TokenLogin, TokenTransient:
		if c.UserID == "" {
			return missing("userId")
		}
	case TokenRefresh:
		if c.UserID == "" {
			return missing("userId")
		}
		if c.FamilyID == "" {
			return missing("familyId")
		}
	case TokenAPIKey:
		if c.WorkspaceID == "" {
			return missing("workspaceId")
		}
	}
	if c.TokenID == "" {
		return missing("jti")
	}
	return nil
}

// Issued is a signed token and when it expires (the "exp" claim, whole
// seconds), as the API returns them ({ token expiresAt }).
type Issued struct {
	Token     string
	ExpiresAt time.Time
	Claims    Claims
}

// Issue signs c as an RS256 JWT with the current signing key (header "kid"),
// valid from now (truncated to the second) for ttl (at least one second).
func (k *Keys) Issue(c Claims, ttl time.Duration, now time.Time) (Issued, error) {
	if k.signKey == nil {
		return Issued{}, errors.New("auth: no signing key")
	}
	if ttl < time.Second {
		return Issued{}, fmt.Errorf("auth: ttl %v is under one second", ttl)
	}
	if c.Issuer == "" {
		c.Issuer = k.issuer
	}
	if c.Audience == "" {
		c.Audience = k.audience
	}
	if c.TokenID == "" {
		c.TokenID = NewID()
	}
	if err := c.check(); err != nil {
		return Issued{}, fmt.Errorf("auth: issue: %w", err)
	}
	c.IssuedAt = time.Unix(now.Unix(), 0).UTC()
	c.ExpiresAt = time.Unix(now.Add(ttl).Unix(), 0).UTC()
	sub := c.UserID
	if c.Type == TokenAPIKey {
		sub = c.WorkspaceID
	}
	wc := wireClaims{
		Issuer:            c.Issuer,
		Subject:           sub,
		Audience:          []string{c.Audience},
		ExpiresAt:         newNumericDate(c.ExpiresAt),
		IssuedAt:          newNumericDate(c.IssuedAt),
		ID:                c.TokenID,
		Type:              c.Type,
		UserID:            c.UserID,
		WorkspaceID:       c.WorkspaceID,
		WorkspaceMemberID: c.WorkspaceMemberID,
		FamilyID:          c.FamilyID,
		Account:           c.Account,
	}
	s, err := signRS256(jwsHeader{Alg: "RS256", Kid: k.signKID, Typ: "JWT"}, wc, k.signKey)
	if err != nil {
		return Issued{}, fmt.Errorf("auth: sign: %w", err)
	}
	return Issued{Token: s, ExpiresAt: c.ExpiresAt, Claims: c}, nil
}

// Verifier verifies a token for an expected type at a given time.
// Implemented by *Keys and *VerifyCache.
type Verifier interface {
	Verify(token string, expected TokenType, now time.Time) (Claims, error)
}

var (
	_ Verifier = (*Keys)(nil)
	_ Verifier = (*VerifyCache)(nil)
)

// Verify checks token and returns its claims. It accepts only a compact JWS
// whose header is exactly "alg": "RS256" (never "none", HMAC or any other
// alg), "kid" naming a key of this ring, and optionally "typ": "JWT" (any
// other header parameter, "crit" included, and duplicate members are
// refused), signed by that key. Its payload must then be one JSON object
// without duplicate members, with iss equal to the ring's issuer, aud
// containing its audience, type equal to expected, the ids that type needs,
// and an exp; nbf, when present, must have passed.
//
// Errors: ErrTokenExpired when all that holds but now is at or after exp
// (leeway 0); ErrInvalidToken for anything else. Both wrap a reason for logs.
func (k *Keys) Verify(token string, expected TokenType, now time.Time) (Claims, error) {
	if len(token) > MaxTokenBytes {
		return Claims{}, invalidf("token longer than %d bytes", MaxTokenBytes)
	}
	wc, err := verifyRS256(token, k.pub)
	if err != nil {
		return Claims{}, invalidf("%v", err)
	}
	c := Claims{
		Type:              wc.Type,
		UserID:            wc.UserID,
		WorkspaceID:       wc.WorkspaceID,
		WorkspaceMemberID: wc.WorkspaceMemberID,
		TokenID:           wc.ID,
		FamilyID:          wc.FamilyID,
		Account:           wc.Account,
		Issuer:            wc.Issuer,
	}
	if c.Type != expected {
		return Claims{}, invalidf("token type %q, want %q", trunc(string(c.Type)), expected)
	}
	if c.Issuer != k.issuer {
		return Claims{}, invalidf("issuer %q", trunc(c.Issuer))
	}
	if !slices.Contains(wc.Audience, k.audience) {
		return Claims{}, invalidf("audience does not include %q", k.audience)
	}
	c.Audience = k.audience
	if err := c.check(); err != nil {
		return Claims{}, invalidf("%v", err)
	}
	if wc.ExpiresAt == nil {
		return Claims{}, invalidf("no exp")
	}
	if wc.NotBefore != nil && now.Before(wc.NotBefore.Time) {
		return Claims{}, invalidf("not valid before %v", wc.NotBefore.Time.UTC())
	}
	if wc.IssuedAt != nil {
		c.IssuedAt = wc.IssuedAt.Time.UTC()
	}
	c.ExpiresAt = wc.ExpiresAt.Time.UTC()
	if !now.Before(c.ExpiresAt) {
		return Claims{}, expiredf("expired at %v", c.ExpiresAt)
	}
	return c, nil
}

// NewID returns a random (version 4) UUID string, for token, family and
// other ids.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand: " + err.Error()) // never happens since Go 1.24
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
