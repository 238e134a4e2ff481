package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The package signs and verifies JWS itself and parses keys without
// crypto/x509 (see jws.go, der.go); golang-jwt and crypto/x509 remain here,
// in tests only, as the reference it must agree with. The files in testdata
// come from OpenSSL (testdata/README.md), an implementation independent of
// both.

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenSSLVectors: keys written by OpenSSL in all four PEM forms parse to
// one key whose thumbprint is OpenSSL's; tokens OpenSSL signed verify; and
// Issue, given the same claims at the same time, writes the OpenSSL token
// byte for byte (RSASSA-PKCS1-v1_5 is deterministic).
func TestOpenSSLVectors(t *testing.T) {
	priv8, err := ParsePrivateKeyPEM(readTestdata(t, "openssl-pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	priv1, err := ParsePrivateKeyPEM(readTestdata(t, "openssl-pkcs1.pem"))
	if err != nil || !priv1.Equal(priv8) {
		t.Fatalf("PKCS#1 private key: %v (equal %v)", err, priv1 != nil && priv1.Equal(priv8))
	}
	for _, name := range []string{"openssl-pkix.pem", "openssl-pkcs1-public.pem", "openssl-pkcs8.pem", "openssl-pkcs1.pem"} {
		pub, err := ParsePublicKeyPEM(readTestdata(t, name))
		if err != nil || !pub.Equal(&priv8.PublicKey) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if got, want := KeyID(&priv8.PublicKey), strings.TrimSpace(string(readTestdata(t, "openssl-kid.txt"))); got != want {
		t.Fatalf("KeyID = %s, OpenSSL's thumbprint %s", got, want)
	}

	keys, _ := NewKeys(testIssuer, testAudience)
	if _, err := keys.AddSigningKeyPEM("openssl-kid", readTestdata(t, "openssl-pkcs8.pem")); err != nil {
		t.Fatal(err)
	}
	want := Claims{Type: TokenAccess, UserID: "u-1", WorkspaceID: "w-1", WorkspaceMemberID: "m-1", TokenID: "j-1",
		Issuer: testIssuer, Audience: testAudience, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	vector := strings.TrimSpace(string(readTestdata(t, "openssl-rs256.jwt")))
	for _, name := range []string{"openssl-rs256.jwt", "openssl-rs256-typ-first.jwt"} {
		tok := strings.TrimSpace(string(readTestdata(t, name)))
		got, err := keys.Verify(tok, TokenAccess, t0)
		if err != nil || got != want {
			t.Fatalf("%s: %v\n got %+v\nwant %+v", name, err, got, want)
		}
	}
	is, err := keys.Issue(Claims{Type: TokenAccess, UserID: "u-1", WorkspaceID: "w-1", WorkspaceMemberID: "m-1", TokenID: "j-1"}, time.Hour, t0)
	if err != nil {
		t.Fatal(err)
	}
	if is.Token != vector {
		t.Fatalf("Issue differs from the OpenSSL vector\n got %s\nwant %s", is.Token, vector)
	}
	// The PEM a third party would read back from GenerateKeyPEM's format.
	der, _ := x509.MarshalPKCS8PrivateKey(priv8)
	if ours, _ := marshalPKCS8PrivateKey(priv8); string(ours) != string(der) {
		t.Fatal("marshalPKCS8PrivateKey differs from x509.MarshalPKCS8PrivateKey")
	}
	if block, _ := pem.Decode(readTestdata(t, "openssl-pkcs8.pem")); string(block.Bytes) != string(der) {
		t.Fatal("PKCS#8 DER differs from OpenSSL's")
	}
}

// legacyClaims is the payload type Issue used with golang-jwt.
type legacyClaims struct {
	jwt.RegisteredClaims
	Type              TokenType `json:"type"`
	UserID            string    `json:"userId,omitempty"`
	WorkspaceID       string    `json:"workspaceId,omitempty"`
	WorkspaceMemberID string    `json:"workspaceMemberId,omitempty"`
	FamilyID          string    `json:"familyId,omitempty"`
	Account           string    `json:"acct,omitempty"`
}

// TestGolangJWTInterop: every token Issue writes is the one golang-jwt wrote
// (byte for byte) and verifies under golang-jwt's strict parser with full
// claims validation; tokens golang-jwt signs verify here.
func TestGolangJWTInterop(t *testing.T) {
	a, _, _ := testRSA(t)
	keys := testKeys(t)
	now := t0.Add(1500 * time.Millisecond)
	for _, c := range []Claims{
		accessClaims(),
		{Type: TokenRefresh, UserID: "u-1", FamilyID: "f-1", Account: "acct-1", WorkspaceID: "w-1"},
		{Type: TokenLogin, UserID: "ü<&>\"\\u"},
		{Type: TokenAPIKey, WorkspaceID: "w-9", TokenID: "api-key-1"},
	} {
		is, err := keys.Issue(c, 90*time.Minute, now)
		if err != nil {
			t.Fatal(err)
		}
		sub := is.Claims.UserID
		if c.Type == TokenAPIKey {
			sub = is.Claims.WorkspaceID
		}
		lt := jwt.NewWithClaims(jwt.SigningMethodRS256, legacyClaims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: testIssuer, Subject: sub, Audience: jwt.ClaimStrings{testAudience},
				ExpiresAt: jwt.NewNumericDate(is.Claims.ExpiresAt), IssuedAt: jwt.NewNumericDate(is.Claims.IssuedAt),
				ID: is.Claims.TokenID,
			},
			Type: c.Type, UserID: c.UserID, WorkspaceID: c.WorkspaceID, WorkspaceMemberID: c.WorkspaceMemberID,
			FamilyID: c.FamilyID, Account: c.Account,
		})
		lt.Header["kid"] = "kid-a"
		legacy, err := lt.SignedString(a)
		if err != nil {
			t.Fatal(err)
		}
		if is.Token != legacy {
			t.Fatalf("%s: Issue differs from golang-jwt\n got %s\nwant %s", c.Type, is.Token, legacy)
		}

		var parsed legacyClaims
		_, err = jwt.ParseWithClaims(is.Token, &parsed, func(tok *jwt.Token) (any, error) { return &a.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithStrictDecoding(), jwt.WithIssuer(testIssuer),
			jwt.WithAudience(testAudience), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
			jwt.WithTimeFunc(func() time.Time { return now }))
		if err != nil || parsed.Type != c.Type || parsed.UserID != c.UserID || parsed.ID != is.Claims.TokenID {
			t.Fatalf("%s: golang-jwt: %v %+v", c.Type, err, parsed)
		}
		if _, err := jwt.Parse(is.Token, func(tok *jwt.Token) (any, error) { return &a.PublicKey, nil },
			jwt.WithTimeFunc(func() time.Time { return is.ExpiresAt })); !errors.Is(err, jwt.ErrTokenExpired) {
			t.Fatalf("%s: golang-jwt at exp: %v", c.Type, err)
		}
	}

	// golang-jwt → here: MapClaims (aud a plain string), every header order
	// golang-jwt can write, fractional NumericDates.
	for name, tok := range map[string]string{
		"MapClaims":      forge(t, jwt.SigningMethodRS256, map[string]any{"alg": "RS256", "kid": "kid-a"}, goodPayload(), a),
		"typ JWT":        forge(t, jwt.SigningMethodRS256, map[string]any{"typ": "JWT", "alg": "RS256", "kid": "kid-a"}, goodPayload(), a),
		"fractional exp": forge(t, jwt.SigningMethodRS256, map[string]any{"alg": "RS256", "kid": "kid-a"}, with(goodPayload(), "exp", float64(t0.Unix())+0.75), a),
	} {
		_, err := keys.Verify(tok, TokenAccess, t0.Add(-time.Second))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// exp t0+0.75 is truncated to t0, as golang-jwt does.
	tok := forge(t, jwt.SigningMethodRS256, map[string]any{"alg": "RS256", "kid": "kid-a"}, with(goodPayload(), "exp", float64(t0.Unix())+0.75), a)
	if _, err := keys.Verify(tok, TokenAccess, t0); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("fractional exp at t0: %v", err)
	}
}

// signRaw signs the exact JSON texts header and payload with key: for
// tokens no JWT library would write.
func signRaw(t *testing.T, header, payload string, key *rsa.PrivateKey) string {
	t.Helper()
	in := b64url([]byte(header)) + "." + b64url([]byte(payload))
	d := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64url(sig)
}

// TestVerifyStrictJWS: tokens with the right key whose header or payload
// is unusual, ambiguous or malformed.
func TestVerifyStrictJWS(t *testing.T) {
	a, _, _ := testRSA(t)
	keys := testKeys(t)
	const hdr = `{"alg":"RS256","kid":"kid-a"}`
	// good payload at t0 with the given members replaced ("" drops one).
	payload := func(kv ...string) string {
		m := map[string]string{
			"iss": `"` + testIssuer + `"`, "aud": `["` + testAudience + `"]`, "sub": `"u-1"`,
			"iat": "1740830400", "exp": "1740834000", "jti": `"j-1"`, "type": `"ACCESS"`, "userId": `"u-1"`,
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		var b strings.Builder
		b.WriteString("{")
		for _, k := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "type", "userId", "foo"} {
			if v, ok := m[k]; ok {
				if b.Len() > 1 {
					b.WriteString(",")
				}
				b.WriteString(`"` + k + `":` + v)
			}
		}
		return b.String() + "}"
	}
	good := payload()
	sig := func(h, p string) string { return signRaw(t, h, p, a) }
	tests := []struct {
		name, token string
		ok          bool
	}{
		{"minimal header", sig(hdr, good), true},
		{"typ JWT, any order", sig(`{"typ":"JWT","kid":"kid-a","alg":"RS256"}`, good), true},
		{"whitespace in JSON", sig(" {\n\t\"alg\" : \"RS256\" , \"kid\":\"kid-a\" } ", " "+good+"\n"), true},
		{"escaped member name", sig(`{"\u0061lg":"RS256","kid":"kid-a"}`, good), true},
		{"unknown claim ignored", sig(hdr, payload("foo", `{"x":[1,2,{"y":null}]}`)), true},
		{"colons, braces and escapes in a string", sig(hdr, payload("foo", `"a:\"}{[:\\"`)), true},
		{"duplicates below the top level", sig(hdr, payload("foo", `{"a":1,"a":{"b":[{"c":1,"c":2}]}}`)), true},
		{"aud as a string", sig(hdr, payload("aud", `"`+testAudience+`"`)), true},
		{"nbf now", sig(hdr, payload("nbf", "1740830400")), true},

		{"typ lower case", sig(`{"alg":"RS256","kid":"kid-a","typ":"jwt"}`, good), false},
		{"typ at+jwt", sig(`{"alg":"RS256","kid":"kid-a","typ":"at+jwt"}`, good), false},
		{"typ number", sig(`{"alg":"RS256","kid":"kid-a","typ":1}`, good), false},
		{"typ null", sig(`{"alg":"RS256","kid":"kid-a","typ":null}`, good), false},
		{"alg lower case", sig(`{"alg":"rs256","kid":"kid-a"}`, good), false},
		{"alg null", sig(`{"alg":null,"kid":"kid-a"}`, good), false},
		{"no alg", sig(`{"kid":"kid-a"}`, good), false},
		{"empty kid", sig(`{"alg":"RS256","kid":""}`, good), false},
		{"null kid", sig(`{"alg":"RS256","kid":null}`, good), false},
		{"duplicate alg", sig(`{"alg":"RS256","alg":"RS256","kid":"kid-a"}`, good), false},
		{"duplicate alg none last", sig(`{"alg":"RS256","kid":"kid-a","alg":"none"}`, good), false},
		{"duplicate alg through an escape", sig(`{"alg":"RS256","kid":"kid-a","\u0061lg":"RS256"}`, good), false},
		{"duplicate kid", sig(`{"alg":"RS256","kid":"kid-a","kid":"kid-b"}`, good), false},
		{"crit", sig(`{"alg":"RS256","kid":"kid-a","crit":["exp"],"exp":1}`, good), false},
		{"empty crit", sig(`{"alg":"RS256","kid":"kid-a","crit":[]}`, good), false},
		{"b64 false (RFC 7797)", sig(`{"alg":"RS256","kid":"kid-a","b64":false,"crit":["b64"]}`, good), false},
		{"jku", sig(`{"alg":"RS256","kid":"kid-a","jku":"https://evil.example/jwks"}`, good), false},
		{"jwk", sig(`{"alg":"RS256","kid":"kid-a","jwk":{"kty":"RSA"}}`, good), false},
		{"x5c", sig(`{"alg":"RS256","kid":"kid-a","x5c":[]}`, good), false},
		{"cty", sig(`{"alg":"RS256","kid":"kid-a","cty":"JWT"}`, good), false},
		{"zip", sig(`{"alg":"RS256","kid":"kid-a","zip":"DEF"}`, good), false},
		{"header array", sig(`["RS256","kid-a"]`, good), false},
		{"header two objects", sig(hdr+hdr, good), false},
		{"header trailing data", sig(hdr+"x", good), false},
		{"header not JSON", sig(`{alg:RS256}`, good), false},

		{"duplicate userId", sig(hdr, strings.TrimSuffix(good, "}")+`,"userId":"u-2"}`), false},
		{"duplicate exp", sig(hdr, strings.TrimSuffix(good, "}")+`,"exp":1900000000}`), false},
		{"member names are case-sensitive", sig(hdr, payload("userId", "")[:len(payload("userId", ""))-1]+`,"UserId":"u-1"}`), false},
		{"exp as a string", sig(hdr, payload("exp", `"1740834000"`)), false},
		{"exp null", sig(hdr, payload("exp", "null")), false},
		{"exp too large", sig(hdr, payload("exp", "1e300")), false},
		{"exp bool", sig(hdr, payload("exp", "true")), false},
		{"iat as a string", sig(hdr, payload("iat", `"x"`)), false},
		{"nbf a second later", sig(hdr, payload("nbf", "1740830401")), false},
		{"aud number", sig(hdr, payload("aud", "1")), false},
		{"aud with a number", sig(hdr, payload("aud", `["`+testAudience+`",1]`)), false},
		{"aud null", sig(hdr, payload("aud", "null")), false},
		{"iss number", sig(hdr, payload("iss", "1")), false},
		{"sub object", sig(hdr, payload("sub", "{}")), false},
		{"type array", sig(hdr, payload("type", `["ACCESS"]`)), false},
		{"payload array", sig(hdr, `[`+good+`]`), false},
		{"payload trailing data", sig(hdr, good+"{}"), false},
		{"payload empty", sig(hdr, ""), false},
		{"payload null", sig(hdr, "null"), false},
		{"header null", sig("null", good), false},
	}
	valid := sig(hdr, good)
	parts := strings.Split(valid, ".")
	last := parts[2][len(parts[2])-1]
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	nonCanonical := parts[2][:len(parts[2])-1] + string(alphabet[strings.IndexByte(alphabet, last)|1])
	tests = append(tests, []struct {
		name, token string
		ok          bool
	}{
		{"padded segments", parts[0] + "=." + parts[1] + "." + parts[2] + "==", false},
		{"newline inside", parts[0] + "." + parts[1][:5] + "\n" + parts[1][5:] + "." + parts[2], false},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid), false},
		{"non-canonical last character", parts[0] + "." + parts[1] + "." + nonCanonical, false},
		{"empty signature", parts[0] + "." + parts[1] + ".", false},
		{"two segments", parts[0] + "." + parts[1], false},
		{"empty header", "." + parts[1] + "." + parts[2], false},
		{"dots only", "..", false},
	}...)
	if !strings.ContainsAny(valid, "-_") {
		t.Log("note: the valid token happens to have no - or _; the alphabet case is vacuous")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := keys.Verify(tc.token, TokenAccess, t0)
			if tc.ok {
				if err != nil || c.UserID != "u-1" {
					t.Fatalf("Verify: %v (%+v)", err, c)
				}
				return
			}
			if !errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrTokenExpired) {
				t.Fatalf("err = %v, want ErrInvalidToken only", err)
			}
			t.Log(err)
		})
	}
}

// TestParseKeysMatchX509: the asn1 parsers agree with crypto/x509 on what
// they accept and refuse.
func TestParseKeysMatchX509(t *testing.T) {
	a, _, _ := testRSA(t)
	enc := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(a)
	pkix, _ := x509.MarshalPKIXPublicKey(&a.PublicKey)

	// GenerateKeyPEM output reads back with crypto/x509.
	gen, err := GenerateKeyPEM(2048)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(gen)
	xk, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("x509 reading GenerateKeyPEM: %v", err)
	}
	if ours, err := ParsePrivateKeyPEM(gen); err != nil || !ours.Equal(xk) {
		t.Fatalf("GenerateKeyPEM round trip: %v", err)
	}
	if again, _ := x509.MarshalPKCS8PrivateKey(xk); string(again) != string(block.Bytes) {
		t.Fatal("GenerateKeyPEM's DER is not what x509 writes")
	}

	// Parsed keys are usable at once: Precomputed is filled in.
	k, _ := ParsePrivateKeyPEM(enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(a)))
	if k.Precomputed.Dp == nil || k.Precomputed.Qinv == nil {
		t.Fatal("Precompute not run")
	}

	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPKCS8, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	ecPKIX, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edPKCS8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)

	// A PKIX key whose algorithm parameters are absent instead of NULL.
	var spki publicKeyInfo
	asn1.Unmarshal(pkix, &spki)
	spki.Algorithm.Parameters = asn1.RawValue{}
	noNull, _ := asn1.Marshal(spki)
	// A private key whose d does not match e.
	var raw pkcs1PrivateKey
	asn1.Unmarshal(x509.MarshalPKCS1PrivateKey(a), &raw)
	raw.D = new(big.Int).Add(raw.D, big.NewInt(2))
	badD, _ := asn1.Marshal(raw)

	refused := map[string][]byte{
		"EC PKCS#8":                 enc("PRIVATE KEY", ecPKCS8),
		"Ed25519 PKCS#8":            enc("PRIVATE KEY", edPKCS8),
		"EC SEC1":                   enc("EC PRIVATE KEY", ecPKCS8),
		"PKCS#1 trailing data":      enc("RSA PRIVATE KEY", append(x509.MarshalPKCS1PrivateKey(a), 0)),
		"PKCS#1 as PKCS#8":          enc("PRIVATE KEY", x509.MarshalPKCS1PrivateKey(a)),
		"PKCS#8 as PKCS#1":          enc("RSA PRIVATE KEY", pkcs8),
		"1024-bit key":              enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small)),
		"inconsistent d":            enc("RSA PRIVATE KEY", badD),
		"truncated":                 enc("PRIVATE KEY", pkcs8[:len(pkcs8)/2]),
		"public key as private key": enc("PRIVATE KEY", pkix),
	}
	for name, b := range refused {
		if _, err := ParsePrivateKeyPEM(b); err == nil {
			t.Errorf("private %s: parsed", name)
		}
		block, _ := pem.Decode(b)
		var xerr error
		switch block.Type {
		case "PRIVATE KEY":
			var key any
			if key, xerr = x509.ParsePKCS8PrivateKey(block.Bytes); xerr == nil {
				if _, isRSA := key.(*rsa.PrivateKey); !isRSA {
					xerr = errors.New("not RSA")
				}
			}
		case "RSA PRIVATE KEY":
			var key *rsa.PrivateKey
			if key, xerr = x509.ParsePKCS1PrivateKey(block.Bytes); xerr == nil && key.N.BitLen() < MinRSABits {
				xerr = errors.New("small")
			}
		default:
			xerr = errors.New("type")
		}
		if xerr == nil {
			t.Errorf("private %s: crypto/x509 accepts it", name)
		}
	}
	for name, b := range map[string][]byte{
		"EC PKIX":                 enc("PUBLIC KEY", ecPKIX),
		"PKIX without NULL":       enc("PUBLIC KEY", noNull),
		"PKIX trailing data":      enc("PUBLIC KEY", append(append([]byte{}, pkix...), 0)),
		"PKCS#1 public as PKIX":   enc("PUBLIC KEY", x509.MarshalPKCS1PublicKey(&a.PublicKey)),
		"PKIX as PKCS#1 public":   enc("RSA PUBLIC KEY", pkix),
		"PKCS#1 public truncated": enc("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&a.PublicKey)[:100]),
	} {
		if _, err := ParsePublicKeyPEM(b); err == nil {
			t.Errorf("public %s: parsed", name)
		}
		block, _ := pem.Decode(b)
		var xerr error
		if block.Type == "PUBLIC KEY" {
			var key any
			if key, xerr = x509.ParsePKIXPublicKey(block.Bytes); xerr == nil {
				if _, isRSA := key.(*rsa.PublicKey); !isRSA {
					xerr = errors.New("not RSA")
				}
			}
		} else {
			_, xerr = x509.ParsePKCS1PublicKey(block.Bytes)
		}
		if xerr == nil {
			t.Errorf("public %s: crypto/x509 accepts it", name)
		}
	}
	// Like crypto/x509, data after a PKCS#8 structure is ignored (it is after
	// a PKCS#1 one, above).
	if k, err := ParsePrivateKeyPEM(enc("PRIVATE KEY", append(append([]byte{}, pkcs8...), 0))); err != nil || !k.Equal(a) {
		t.Errorf("PKCS#8 with trailing data: %v", err)
	}
	// A small public key parses, but a ring refuses it.
	smallPub, _ := x509.MarshalPKIXPublicKey(&small.PublicKey)
	keys := testKeys(t)
	if _, err := keys.AddVerifyKeyPEM("", enc("PUBLIC KEY", smallPub)); err == nil {
		t.Error("a 1024-bit verify key was added")
	}
}

// refJSONObject is jsonObject written the slow, obvious way: walk the
// tokens, refuse a name seen before.
func refJSONObject(b []byte) (map[string]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if _, dup := m[t.(string)]; dup {
			return nil, false
		}
		m[t.(string)] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return m, true
}

func FuzzJSONObject(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"a":1,"a":2}}`, `{"a:":"b:","c":[":",{"d":":"}]}`,
		`{"a":"\"","b":"\\"}`, `null`, `[]`, `{"a":1}x`, `{"a":1} `, ` {"a" : [1, 2, {"b": null}] }`, `{"\ud800":1,"\udfff":2}`,
		"{\"\xff\":1,\"\xfe\":2}", `{"a":1,}`, `{"a"}`, `"x"`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := jsonObject(b)
		want, ok := refJSONObject(b)
		if (err == nil) != ok {
			t.Fatalf("jsonObject(%q): err %v, reference ok %v", b, err, ok)
		}
		if ok && len(got) != len(want) {
			t.Fatalf("jsonObject(%q) = %v, reference %v", b, got, want)
		}
		for k, v := range want {
			if string(got[k]) != string(v) {
				t.Fatalf("jsonObject(%q)[%q] = %s, reference %s", b, k, got[k], v)
			}
		}
	})
}

func TestB64Strict(t *testing.T) {
	// "QQ" is canonical for "A"; "QR" decodes to it too unless strict.
	if _, err := strictB64.DecodeString("QR"); err == nil {
		t.Fatal("strict decoding accepted non-zero trailing bits")
	}
	if b, err := strictB64.DecodeString("QQ"); err != nil || string(b) != "A" {
		t.Fatal(err)
	}
	if _, err := base64.RawURLEncoding.DecodeString("QR"); err != nil {
		t.Fatal("the lenient decoder is expected to accept it")
	}
}
