package auth

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// forge signs payload under header with method and key, bypassing Issue.
func forge(t *testing.T, method jwt.SigningMethod, header map[string]any, payload jwt.MapClaims, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, payload)
	tok.Header = header
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge %s: %v", method.Alg(), err)
	}
	return s
}

// goodPayload is a valid ACCESS payload at t0 for the test ring.
func goodPayload() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": "u-1",
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(), "jti": "j-1",
		"type": "ACCESS", "userId": "u-1", "workspaceId": "w-1",
	}
}

func with(p jwt.MapClaims, kv ...any) jwt.MapClaims {
	q := jwt.MapClaims{}
	for k, v := range p {
		q[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(q, kv[i].(string))
		} else {
			q[kv[i].(string)] = kv[i+1]
		}
	}
	return q
}

func tamperPayload(t *testing.T, token string, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	raw, _ = json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

func TestVerify(t *testing.T) {
	a, b, c := testRSA(t)
	keys := testKeys(t)
	// B is an older, verify-only key of the ring; C is unknown to it.
	if _, err := keys.AddVerifyKey("kid-b", &b.PublicKey); err != nil {
		t.Fatal(err)
	}
	rs256 := map[string]any{"alg": "RS256", "typ": "JWT", "kid": "kid-a"}
	hdr := func(kv ...any) map[string]any {
		h := map[string]any{}
		for k, v := range rs256 {
			h[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(h, kv[i].(string))
			} else {
				h[kv[i].(string)] = kv[i+1]
			}
		}
		return h
	}
	pubPEM := pkixPEM(t, &a.PublicKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(&a.PublicKey)
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&a.PublicKey)})

	otherIss, _ := NewKeys("https://evil.test", testAudience)
	otherIss.AddSigningKey("kid-a", a)
	otherAud, _ := NewKeys(testIssuer, "another-api")
	otherAud.AddSigningKey("kid-a", a)

	good := mustIssue(t, keys, accessClaims(), time.Hour, t0)
	refresh := mustIssue(t, keys, Claims{Type: TokenRefresh, UserID: "u-1", FamilyID: "f-1"}, time.Hour, t0)

	const (
		ok      = "ok"
		invalid = "invalid"
		expired = "expired"
	)
	tests := []struct {
		name     string
		token    string
		expected TokenType
		now      time.Time
		want     string
	}{
		{"good token", good, TokenAccess, t0, ok},
		{"good token one second before exp", good, TokenAccess, t0.Add(time.Hour - time.Second), ok},
		{"forged good RS256 payload", forge(t, jwt.SigningMethodRS256, rs256, goodPayload(), a), TokenAccess, t0, ok},
		{"older verify-only key", forge(t, jwt.SigningMethodRS256, hdr("kid", "kid-b"), goodPayload(), b), TokenAccess, t0, ok},
		{"good refresh token", refresh, TokenRefresh, t0, ok},

		{"expired", mustIssue(t, keys, accessClaims(), time.Hour, t0.Add(-2*time.Hour)), TokenAccess, t0, expired},
		{"exactly at exp (leeway 0)", good, TokenAccess, t0.Add(time.Hour), expired},
		{"expired and bad signature", tamperPayload(t, mustIssue(t, keys, accessClaims(), time.Hour, t0.Add(-2*time.Hour)),
			func(m map[string]any) { m["userId"] = "u-2" }), TokenAccess, t0, invalid},
		{"expired and wrong audience", mustIssue(t, otherAud, accessClaims(), time.Hour, t0.Add(-2*time.Hour)), TokenAccess, t0, invalid},

		{"alg none", forge(t, jwt.SigningMethodNone, hdr("alg", "none"), goodPayload(), jwt.UnsafeAllowNoneSignatureType), TokenAccess, t0, invalid},
		{"alg none with signature stripped from good", strings.Join(append(strings.Split(good, ".")[:2], ""), "."), TokenAccess, t0, invalid},
		{"HS256 keyed with public key PEM", forge(t, jwt.SigningMethodHS256, hdr("alg", "HS256"), goodPayload(), pubPEM), TokenAccess, t0, invalid},
		{"HS256 keyed with public key DER", forge(t, jwt.SigningMethodHS256, hdr("alg", "HS256"), goodPayload(), pubDER), TokenAccess, t0, invalid},
		{"HS256 keyed with PKCS#1 public PEM", forge(t, jwt.SigningMethodHS256, hdr("alg", "HS256"), goodPayload(), pkcs1PEM), TokenAccess, t0, invalid},
		{"RS512 with the right key", forge(t, jwt.SigningMethodRS512, hdr("alg", "RS512"), goodPayload(), a), TokenAccess, t0, invalid},
		{"PS256 with the right key", forge(t, jwt.SigningMethodPS256, hdr("alg", "PS256"), goodPayload(), a), TokenAccess, t0, invalid},
		{"RS256 header over RS512 signature", func() string {
			s := forge(t, jwt.SigningMethodRS512, hdr("alg", "RS512"), goodPayload(), a)
			g := strings.Split(forge(t, jwt.SigningMethodRS256, rs256, goodPayload(), a), ".")
			return g[0] + "." + g[1] + "." + strings.Split(s, ".")[2]
		}(), TokenAccess, t0, invalid},

		{"unknown kid", forge(t, jwt.SigningMethodRS256, hdr("kid", "kid-x"), goodPayload(), a), TokenAccess, t0, invalid},
		{"no kid", forge(t, jwt.SigningMethodRS256, hdr("kid", nil), goodPayload(), a), TokenAccess, t0, invalid},
		{"numeric kid", forge(t, jwt.SigningMethodRS256, hdr("kid", 1), goodPayload(), a), TokenAccess, t0, invalid},
		{"known kid, unknown key", forge(t, jwt.SigningMethodRS256, rs256, goodPayload(), c), TokenAccess, t0, invalid},
		{"kid of the other known key", forge(t, jwt.SigningMethodRS256, hdr("kid", "kid-b"), goodPayload(), a), TokenAccess, t0, invalid},
		{"crit header", forge(t, jwt.SigningMethodRS256, hdr("crit", []string{"exp"}), goodPayload(), a), TokenAccess, t0, invalid},

		{"tampered payload", tamperPayload(t, good, func(m map[string]any) { m["userId"] = "u-2" }), TokenAccess, t0, invalid},
		{"tampered exp", tamperPayload(t, good, func(m map[string]any) { m["exp"] = t0.Add(24 * time.Hour).Unix() }), TokenAccess, t0.Add(2 * time.Hour), invalid},
		{"wrong audience", mustIssue(t, otherAud, accessClaims(), time.Hour, t0), TokenAccess, t0, invalid},
		{"no audience", forge(t, jwt.SigningMethodRS256, rs256, with(goodPayload(), "aud", nil), a), TokenAccess, t0, invalid},
		{"audience list containing ours", forge(t, jwt.SigningMethodRS256, rs256, with(goodPayload(), "aud", []string{"x", testAudience}), a), TokenAccess, t0, ok},
		{"wrong issuer", mustIssue(t, otherIss, accessClaims(), time.Hour, t0), TokenAccess, t0, invalid},
		{"no issuer", forge(t, jwt.SigningMethodRS256, rs256, with(goodPayload(), "iss", nil), a), TokenAccess, t0, invalid},
		{"no exp", forge(t, jwt.SigningMethodRS256, rs256, with(goodPayload(), "exp", nil), a), TokenAccess, t0, invalid},
		{"nbf in the future", forge(t, jwt.SigningMethodRS256, rs256, with(goodPayload(), "nbf", t0.Add(time.Minute).Unix()), a), TokenAccess, t0, invalid},
		{"no userId for ACCESS", forge(t, jwt.SigningMethodRS256, rs256, with(goodPayload(), "userId", nil), a), TokenAccess, t0, invalid},
		{"no jti", forge(t, jwt.SigningMethodRS256, rs256, with(goodPayload(), "jti", nil), a), TokenAccess, t0, invalid},

		{"refresh presented as access", refresh, TokenAccess, t0, invalid},
		{"access presented as refresh", good, TokenRefresh, t0, invalid},
		{"access presented as API key", good, TokenAPIKey, t0, invalid},
		{"unknown type", forge(t, jwt.SigningMethodRS256, rs256, with(goodPayload(), "type", "ADMIN"), a), TokenType("ADMIN"), t0, invalid},

		{"empty", "", TokenAccess, t0, invalid},
		{"garbage", "not.a.jwt", TokenAccess, t0, invalid},
		{"four segments", good + ".x", TokenAccess, t0, invalid},
		{"oversized", good + strings.Repeat("A", MaxTokenBytes), TokenAccess, t0, invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := keys.Verify(tc.token, tc.expected, tc.now)
			switch tc.want {
			case ok:
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if c.UserID != "u-1" || c.Type != tc.expected || c.Issuer != testIssuer || c.Audience != testAudience {
					t.Fatalf("claims = %+v", c)
				}
			case expired:
				if !errors.Is(err, ErrTokenExpired) || errors.Is(err, ErrInvalidToken) {
					t.Fatalf("err = %v, want ErrTokenExpired only", err)
				}
			case invalid:
				if !errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrTokenExpired) {
					t.Fatalf("err = %v, want ErrInvalidToken only", err)
				}
			}
		})
	}
}

func TestIssueRoundTrip(t *testing.T) {
	keys := testKeys(t)
	now := t0.Add(700 * time.Millisecond)
	in := Claims{Type: TokenAPIKey, WorkspaceID: "w-9", TokenID: "api-key-1"}
	is, err := keys.Issue(in, 90*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(90 * 24 * time.Hour); !is.ExpiresAt.Equal(want) {
		t.Fatalf("ExpiresAt = %v, want %v (whole seconds)", is.ExpiresAt, want)
	}
	got, err := keys.Verify(is.Token, TokenAPIKey, now)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Issuer, want.Audience, want.IssuedAt, want.ExpiresAt = testIssuer, testAudience, t0, is.ExpiresAt
	if got != want || is.Claims != want {
		t.Fatalf("claims\n got %+v\nwant %+v\nissued %+v", got, want, is.Claims)
	}
	// Header names the signing kid; payload uses Twenty's claim names.
	parts := strings.Split(is.Token, ".")
	var h, p map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(hb, &h)
	json.Unmarshal(pb, &p)
	if h["alg"] != "RS256" || h["kid"] != "kid-a" {
		t.Fatalf("header = %v", h)
	}
	if p["type"] != "API_KEY" || p["sub"] != "w-9" || p["workspaceId"] != "w-9" || p["jti"] != "api-key-1" {
		t.Fatalf("payload = %v", p)
	}
}

func TestIssueRefuses(t *testing.T) {
	keys := testKeys(t)
	empty, _ := NewKeys(testIssuer, testAudience)
	tests := []struct {
		name string
		k    *Keys
		c    Claims
		ttl  time.Duration
	}{
		{"no signing key", empty, accessClaims(), time.Hour},
		{"zero ttl", keys, accessClaims(), 0},
		{"sub-second ttl", keys, accessClaims(), time.Millisecond},
		{"unknown type", keys, Claims{Type: "ADMIN", UserID: "u"}, time.Hour},
		{"access without user", keys, Claims{Type: TokenAccess}, time.Hour},
		{"refresh without family", keys, Claims{Type: TokenRefresh, UserID: "u"}, time.Hour},
		{"api key without workspace", keys, Claims{Type: TokenAPIKey}, time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.k.Issue(tc.c, tc.ttl, t0); err == nil {
				t.Fatal("Issue succeeded")
			}
		})
	}
}

func TestErrorShape(t *testing.T) {
	keys := testKeys(t)
	tok := mustIssue(t, keys, accessClaims(), time.Minute, t0)
	_, err := keys.Verify(tok, TokenAccess, t0.Add(time.Hour))
	var e *Error
	if !errors.As(err, &e) || e.Status != 401 || e.Code != "token_expired" || e.Message != "Token has expired." {
		t.Fatalf("expired: %#v", e)
	}
	_, err = keys.Verify("x", TokenAccess, t0)
	if !errors.As(err, &e) || e.Status != 401 || e.Code != "unauthenticated" {
		t.Fatalf("invalid: %#v", e)
	}
	if !errors.Is(ErrTokenReused, ErrInvalidToken) || !errors.Is(ErrTokenRevoked, ErrInvalidToken) {
		t.Fatal("reuse/revoked must be ErrInvalidToken")
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if len(id) != 36 || id[14] != '4' || !strings.ContainsAny(id[19:20], "89ab") || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}
