package auth

import (
	"sync"
	"time"
)

// ThrottleConfig sets a Throttle's policy. Zero fields take the defaults.
type ThrottleConfig struct {
	FreeFailures int           // failures before any wait (default 5)
	BaseDelay    time.Duration // wait after the first failure past FreeFailures (default 1s)
	MaxDelay     time.Duration // cap on the doubling wait (default 15m)
	ForgetAfter  time.Duration // a key idle this long starts over (default 1h)
	MaxKeys      int           // keys tracked at most (default 10000)
}

// Throttle slows password guessing: it counts login failures per key (use
// one key per account, e.g. "acct:"+email, and one per client IP, e.g.
// "ip:"+addr) and, past FreeFailures, refuses the key for an exponentially
// growing window: BaseDelay, 2×, 4×, ... up to MaxDelay. State lives in
// memory only (per isolate; lost on eviction). Safe for concurrent use.
//
// Typical login: Check both keys (refuse with 429 and Retry-After when
// either says wait); verify the password; on failure Fail both keys; on
// success Succeed the account key only, so that one good account does not
// clear an IP's record of guesses against others.
type Throttle struct {
	cfg ThrottleConfig

	mu sync.Mutex
	m  map[string]*throttleEntry
}

type throttleEntry struct {
	failures int
	last     time.Time // last failure
	until    time.Time // refused before this
}

// NewThrottle returns a Throttle with cfg (zero fields defaulted).
func NewThrottle(cfg ThrottleConfig) *Throttle {
	if cfg.FreeFailures <= 0 {
		cfg.FreeFailures = 5
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = time.Second
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 15 * time.Minute
	}
	if cfg.MaxDelay < cfg.BaseDelay {
		cfg.MaxDelay = cfg.BaseDelay
	}
	if cfg.ForgetAfter <= 0 {
		cfg.ForgetAfter = time.Hour
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 10000
	}
	return &Throttle{cfg: cfg, m: map[string]*throttleEntry{}}
}

// Config returns the effective policy.
func (t *Throttle) Config() ThrottleConfig { return t.cfg }

// Check reports whether key may attempt a login at now; if not, retryAfter
// is how long until it may.
func (t *Throttle) Check(key string, now time.Time) (retryAfter time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[key]
	if e == nil {
		return 0, true
	}
	if t.stale(e, now) {
		delete(t.m, key)
		return 0, true
	}
	if now.Before(e.until) {
		return e.until.Sub(now), false
	}
	return 0, true
}

// Fail records a failed login for key at now and returns the wait it now
// imposes (0 while within FreeFailures).
func (t *Throttle) Fail(key string, now time.Time) (retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[key]
	if e != nil && t.stale(e, now) {
		*e = throttleEntry{}
	}
	if e == nil {
		if len(t.m) >= t.cfg.MaxKeys {
			t.evict(now)
		}
		e = &throttleEntry{}
		t.m[key] = e
	}
	e.failures++
	e.last = now
	over := e.failures - t.cfg.FreeFailures
	if over <= 0 {
		return 0
	}
	d := t.cfg.BaseDelay
	for i := 1; i < over && d < t.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, t.cfg.MaxDelay)
	if until := now.Add(d); until.After(e.until) {
		e.until = until
	}
	return e.until.Sub(now)
}

// Succeed forgets key's failures.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, key)
}

// Len is the number of keys tracked.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

func (t *Throttle) stale(e *throttleEntry, now time.Time) bool {
	return !now.Before(e.until) && now.Sub(e.last) >= t.cfg.ForgetAfter
}

// evict makes room for one key: it drops stale keys; failing that, the
// unblocked key with the oldest failure; failing that (every key blocked),
// the key whose block ends first. Blocked keys go last so that flooding the
// table with new keys does not lift a lockout early.
func (t *Throttle) evict(now time.Time) {
	var victim string
	var found, vBlocked bool
	var vTime time.Time
	for k, e := range t.m {
		if t.stale(e, now) {
			delete(t.m, k)
			continue
		}
		blocked := now.Before(e.until)
		tm := e.last
		if blocked {
			tm = e.until
		}
		if !found || (vBlocked && !blocked) || (vBlocked == blocked && tm.Before(vTime)) {
			victim, found, vBlocked, vTime = k, true, blocked, tm
		}
	}
	if len(t.m) >= t.cfg.MaxKeys && found {
		delete(t.m, victim)
	}
}
