package auth

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// DefaultCacheSize is the VerifyCache bound used when NewVerifyCache gets
// size <= 0. An entry is ~300 bytes.
const DefaultCacheSize = 4096

// VerifyCache remembers tokens that verified, keyed by the SHA-256 of the
// token, until their exp, so that each token costs one RS256 verification
// (≈ 1.2 ms in wasm) per isolate. It holds at most size entries, evicting
// the least recently used. Failures are not cached.
//
// A cached token stays accepted until it expires even if its key is removed
// from the Keys: call Purge after removing a key. Revocation (of an API key,
// say) is the caller's check, cached or not. Safe for concurrent use.
type VerifyCache struct {
	keys *Keys
	size int

	mu           sync.Mutex
	ll           *list.List // of *cacheEntry, most recent at front
	m            map[[32]byte]*list.Element
	hits, misses uint64
}

type cacheEntry struct {
	sum    [32]byte
	claims Claims
}

// NewVerifyCache returns a cache in front of keys holding at most size
// tokens (DefaultCacheSize when size <= 0).
func NewVerifyCache(keys *Keys, size int) *VerifyCache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &VerifyCache{keys: keys, size: size, ll: list.New(), m: map[[32]byte]*list.Element{}}
}

// Verify is Keys.Verify with memory: a token verified before and not yet
// expired returns its claims without touching RSA; it still must have the
// expected type, and at or after exp it fails with ErrTokenExpired.
func (c *VerifyCache) Verify(token string, expected TokenType, now time.Time) (Claims, error) {
	if len(token) > MaxTokenBytes {
		return Claims{}, invalidf("token longer than %d bytes", MaxTokenBytes)
	}
	sum := sha256.Sum256([]byte(token))
	c.mu.Lock()
	if el, ok := c.m[sum]; ok {
		e := el.Value.(*cacheEntry)
		if !now.Before(e.claims.ExpiresAt) {
			c.remove(el)
			c.mu.Unlock()
			return Claims{}, expiredf("expired at %v", e.claims.ExpiresAt)
		}
		c.hits++
		c.ll.MoveToFront(el)
		claims := e.claims
		c.mu.Unlock()
		if expected == tokenBearer {
			expected = bearerType(claims.Type)
		}
		if claims.Type != expected {
			return Claims{}, invalidf("token type %q, want %q", claims.Type, expected)
		}
		return claims, nil
	}
	c.misses++
	c.mu.Unlock()
	if expected == tokenBearer {
		expected = bearerType(PeekType(token))
	}

	claims, err := c.keys.Verify(token, expected, now)
	if err != nil {
		return Claims{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[sum]; !ok {
		for c.ll.Len() >= c.size {
			c.remove(c.ll.Back())
		}
		c.m[sum] = c.ll.PushFront(&cacheEntry{sum: sum, claims: claims})
	}
	return claims, nil
}

func (c *VerifyCache) remove(el *list.Element) {
	delete(c.m, el.Value.(*cacheEntry).sum)
	c.ll.Remove(el)
}

// Prune drops every entry expired at now (Verify drops them lazily anyway).
func (c *VerifyCache) Prune(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.ll.Front(); el != nil; {
		next := el.Next()
		if !now.Before(el.Value.(*cacheEntry).claims.ExpiresAt) {
			c.remove(el)
		}
		el = next
	}
}

// Purge empties the cache.
func (c *VerifyCache) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.m)
}

// Len is the number of cached tokens.
func (c *VerifyCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Stats reports cache hits and misses since creation.
func (c *VerifyCache) Stats() (hits, misses uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// tokenBearer asks Verify for a bearer token: an API key if the token says
// it is one (the verification checks it), an access token otherwise. A hit
// reads the type from the cached claims instead of decoding the token.
const tokenBearer TokenType = "\x00bearer"

func bearerType(t TokenType) TokenType {
	if t == TokenAPIKey {
		return TokenAPIKey
	}
	return TokenAccess
}
