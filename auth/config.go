package auth

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The deployment's configuration: keys, TTLs, rate limits and throttles,
// read once per Go instance from the Worker's env.

// Defaults of the deployment knobs (vars in wrangler.toml).
const (
	DefaultIssuer        = "edgecrm"
	DefaultAudience      = "edgecrm-api"
	ConfigAccessTTL      = 24 * time.Hour      // ACCESS_TOKEN_TTL_SECONDS unset
	ConfigRefreshTTL     = 60 * 24 * time.Hour // REFRESH_TOKEN_TTL_SECONDS unset
	LoginTokenTTL        = 15 * time.Minute
	InvitationTTL        = 7 * 24 * time.Hour
	DefaultLimitPerMin   = 1000 // per workspace
	DefaultIPLimitPerMin = 100  // per IP, unauthenticated requests
	MemberCacheTTL       = 60   // seconds a KV membership entry may be stale (KV's minimum TTL)
)

// Config is the per-isolate configuration, set by the "configure" entry the
// shell calls once per Go instance with the Worker's env. Read it with
// Current; it is replaced whole, never mutated.
type Config struct {
	Keys        *Keys             // nil when JWT_PRIVATE_KEY is missing or bad (KeyError says why)
	Cache       *VerifyCache      // in front of Keys: one RS256 verification per token per isolate
	Sessions    *Sessions         // access/refresh pairs
	KeyError    string            // why Keys is nil (never the key itself)
	AdminToken  string            // ADMIN_TOKEN ("" disables the admin endpoints)
	TestHooks   bool              // TEST_HOOKS
	AccessTTL   time.Duration     // ACCESS_TOKEN_TTL_SECONDS
	RefreshTTL  time.Duration     // REFRESH_TOKEN_TTL_SECONDS
	Limits      RateLimits        // RATE_LIMIT_*
	IPThrottle  *Throttle         // login failures per client IP (edge)
	Throttle    *Throttle         // login failures per account (account object)
	Env         map[string]string // the non-secret vars, for reference
	fingerprint [32]byte
}

// RateLimits says how the edge limits requests. Zero Limit/Period mean "the
// binding's configured value" (wrangler.toml); the vars override them for
// tests and development (the local simulator honours overrides).
type RateLimits struct {
	WorkspaceBinding string // ratelimits binding for authenticated requests, per workspace
	IPBinding        string // ratelimits binding for unauthenticated requests, per IP
	WorkspaceLimit   int
	IPLimit          int
	Period           int // seconds (10 or 60); also what Retry-After is computed from
	Disabled         bool
}

var (
	mu      sync.RWMutex
	current = &Config{Env: map[string]string{}}
)

// Forget drops the configuration and what it holds in memory (the token
// verification cache, the throttles), as a fresh Go instance starts; the
// shell then configures the new instance again. Tests use it to simulate a
// wake after eviction: nothing that must outlive an object may live here.
func Forget() {
	mu.Lock()
	current = &Config{Env: map[string]string{}}
	mu.Unlock()
}

// Current returns the configuration in force.
func Current() *Config {
	mu.RLock()
	defer mu.RUnlock()
	return current
}

// Secret and var names read by Configure.
const (
	EnvPrivateKey     = "JWT_PRIVATE_KEY"          // secret: PEM (PKCS#1 or PKCS#8), "\n" escapes allowed
	EnvPreviousKeys   = "JWT_PREVIOUS_PUBLIC_KEYS" // optional: older public keys (PEM, concatenated) still accepted
	EnvIssuer         = "JWT_ISSUER"
	EnvAudience       = "JWT_AUDIENCE"
	EnvAdminToken     = "ADMIN_TOKEN" // secret
	EnvTestHooks      = "TEST_HOOKS"
	EnvAccessTTL      = "ACCESS_TOKEN_TTL_SECONDS"
	EnvRefreshTTL     = "REFRESH_TOKEN_TTL_SECONDS"
	EnvWorkspaceLimit = "RATE_LIMIT_WORKSPACE"      // requests per period per workspace (override)
	EnvIPLimit        = "RATE_LIMIT_IP"             // unauthenticated requests per period per IP (override)
	EnvLimitPeriod    = "RATE_LIMIT_PERIOD_SECONDS" // 10 or 60
	EnvLimitsDisabled = "RATE_LIMITS_DISABLED"      // "true": no rate limiting (bench)
)

// Configure replaces the configuration from the Worker's env (string
// values only). Calling it again with the same env is cheap. An unusable
// JWT key is not an error here: auth then answers 503 and KeyError says
// why, so the rest of the API keeps working.
func Configure(env map[string]string) error {
	fp := fingerprint(env)
	mu.RLock()
	same := current.fingerprint == fp && current.Env != nil && len(env) > 0
	mu.RUnlock()
	if same {
		return nil
	}
	c := &Config{
		AdminToken: env[EnvAdminToken],
		TestHooks:  env[EnvTestHooks] == "true",
		AccessTTL:  durationVar(env, EnvAccessTTL, ConfigAccessTTL),
		RefreshTTL: durationVar(env, EnvRefreshTTL, ConfigRefreshTTL),
		Limits: RateLimits{
			WorkspaceBinding: "WORKSPACE_RATE_LIMITER",
			IPBinding:        "IP_RATE_LIMITER",
			WorkspaceLimit:   intVar(env, EnvWorkspaceLimit, 0),
			IPLimit:          intVar(env, EnvIPLimit, 0),
			Period:           intVar(env, EnvLimitPeriod, 60),
			Disabled:         env[EnvLimitsDisabled] == "true",
		},
		IPThrottle:  NewThrottle(ThrottleConfig{}),
		Throttle:    NewThrottle(ThrottleConfig{}),
		Env:         map[string]string{},
		fingerprint: fp,
	}
	if c.Limits.Period != 10 && c.Limits.Period != 60 {
		c.Limits.Period = 60
	}
	for k, v := range env {
		if k != EnvPrivateKey && k != EnvAdminToken {
			c.Env[k] = v
		}
	}
	issuer, audience := env[EnvIssuer], env[EnvAudience]
	if issuer == "" {
		issuer = DefaultIssuer
	}
	if audience == "" {
		audience = DefaultAudience
	}
	keys, err := buildKeys(issuer, audience, env[EnvPrivateKey], env[EnvPreviousKeys])
	if err != nil {
		c.KeyError = err.Error()
	} else {
		c.Keys = keys
		c.Cache = NewVerifyCache(keys, 0)
		c.Sessions = &Sessions{Keys: keys, AccessTTL: c.AccessTTL, RefreshTTL: c.RefreshTTL}
	}
	mu.Lock()
	// Keep throttle state across reconfiguration with unchanged policy.
	if current.IPThrottle != nil {
		c.IPThrottle, c.Throttle = current.IPThrottle, current.Throttle
	}
	current = c
	mu.Unlock()
	return nil
}

// buildKeys makes the key ring. Errors never contain key material.
func buildKeys(issuer, audience, privatePEM, previous string) (*Keys, error) {
	if strings.TrimSpace(privatePEM) == "" {
		return nil, errors.New(EnvPrivateKey + " is not set (wrangler secret put " + EnvPrivateKey + "; `make dev` writes one into .dev.vars)")
	}
	keys, err := NewKeys(issuer, audience)
	if err != nil {
		return nil, err
	}
	// Older keys first, so that the JWKS lists the current key last.
	for _, block := range splitPEM(previous) {
		if _, err := keys.AddVerifyKeyPEM("", []byte(block)); err != nil {
			return nil, fmt.Errorf("%s: a key does not parse", EnvPreviousKeys)
		}
	}
	if _, err := keys.AddSigningKeyPEM("", []byte(privatePEM)); err != nil {
		return nil, fmt.Errorf("%s does not parse as an RSA private key of at least %d bits", EnvPrivateKey, MinRSABits)
	}
	return keys, nil
}

func splitPEM(s string) []string {
	s = strings.ReplaceAll(s, `\n`, "\n")
	var out []string
	for {
		i := strings.Index(s, "-----BEGIN ")
		if i < 0 {
			return out
		}
		s = s[i:]
		j := strings.Index(s, "-----END ")
		if j < 0 {
			return out
		}
		k := strings.Index(s[j+9:], "-----")
		if k < 0 {
			return out
		}
		end := j + 9 + k + 5
		out = append(out, s[:end])
		s = s[end:]
	}
}

func fingerprint(env map[string]string) [32]byte {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%d:%s=%d:%s;", len(k), k, len(env[k]), env[k])
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func intVar(env map[string]string, name string, def int) int {
	if v, err := strconv.Atoi(strings.TrimSpace(env[name])); err == nil && v > 0 {
		return v
	}
	return def
}

func durationVar(env map[string]string, name string, def time.Duration) time.Duration {
	if n := intVar(env, name, 0); n > 0 {
		return time.Duration(n) * time.Second
	}
	return def
}
