package stream

import "strconv"

// EnvOutboxDelayMs sets how long after a request's commit its object
// starts the outbox (0: at once).
const EnvOutboxDelayMs = "OUTBOX_DELAY_MS"

// DefaultOutboxDelayMs lets the commits of nearby requests share one
// flush (one D1 batch, one queue send, one consumer run), which a request
// otherwise pays for on its own: about three times the CPU of the request
// itself under wrangler dev. Events reach D1 and the queue this much later.
const DefaultOutboxDelayMs = 50

// OutboxDelayMs reads the delay from the environment.
func OutboxDelayMs(env map[string]string) int64 {
	if n, err := strconv.ParseInt(env[EnvOutboxDelayMs], 10, 64); err == nil && n >= 0 {
		return n
	}
	return DefaultOutboxDelayMs
}
