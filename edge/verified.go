package edge

import (
	"strings"
	"sync"
	"time"

	"edgecrm/host"
)

// VerifiedTTL is how long this isolate trusts a principal whose KV (or D1)
// checks passed: a request by the same principal to the same workspace
// within it goes to the rate limit alone, without a KV read.
//
// Revocation stays in force. The workspace object checks every request
// against its own members, keys and revoked sessions (accounts.Authorize),
// so a signed-out session, a revoked API key or a removed member is
// refused there at once whatever this cache says; the edge checks are an
// early filter. This isolate forgets everything it remembers the moment it
// revokes anything (sign-out, key revocation, a member's role or removal);
// other isolates stop trusting within VerifiedTTL, a fraction of the
// minute KV's own entries may already be stale (auth.MemberCacheTTL).
const VerifiedTTL = 5 * time.Second

// maxVerified bounds the memory: when full, the cache starts over.
const maxVerified = 4096

var verified = struct {
	sync.Mutex
	until map[string]time.Time
	epoch int64 // moved by every ForgetVerified (host.Reuse)
}{until: map[string]time.Time{}}

func verifiedKey(f *flow) string { return f.WS + "\x00" + f.Principal.Header() }

// rememberVerified notes that f's principal passed its checks now.
func rememberVerified(f *flow) {
	verified.Lock()
	defer verified.Unlock()
	if len(verified.until) >= maxVerified {
		clear(verified.until)
	}
	verified.until[verifiedKey(f)] = Now().Add(VerifiedTTL)
}

// recentlyVerified reports whether f's principal passed its checks less
// than VerifiedTTL ago.
func recentlyVerified(f *flow) bool {
	verified.Lock()
	defer verified.Unlock()
	k := verifiedKey(f)
	until, ok := verified.until[k]
	if ok && !Now().Before(until) {
		delete(verified.until, k)
		ok = false
	}
	return ok
}

// ForgetVerified empties the cache (on any revocation in this isolate, and
// with the rest of the isolate's memory).
func ForgetVerified() {
	verified.Lock()
	defer verified.Unlock()
	clear(verified.until)
	verified.epoch++
}

// Stamp gives out (an edge entry's) the trust epoch, when reuse has not
// marked it already: the shell drops the answers it kept at once when a
// call in the isolate revoked something.
func Stamp(out *host.Output) *host.Output {
	if out != nil && out.Reuse == nil {
		verified.Lock()
		out.Reuse = &host.Reuse{Epoch: verified.epoch}
		verified.Unlock()
	}
	return out
}

// ReuseMax bounds how long the shell answers a request from a kept edge
// output (host.Reuse).
const ReuseMax = time.Second

// reuse marks out (a forward of f's principal, recently verified, whose
// token expires at exp) for the shell to keep: for at most ReuseMax, and
// never past the principal's verification or its token. A GraphQL
// forward is kept for documents that name no auth operation (authNames:
// the edge answers those itself, parseAuthCall), as this one did. A REST
// forward goes to the request's own path with the same headers whatever
// the path, so it is kept for every REST path (Prefix).
func reuse(out *host.Output, f *flow, exp time.Time) {
	verified.Lock()
	defer verified.Unlock()
	now := Now()
	left := min(ReuseMax, verified.until[verifiedKey(f)].Sub(now), exp.Sub(now))
	if left >= time.Millisecond {
		out.Reuse = &host.Reuse{Ms: left.Milliseconds(), Epoch: verified.epoch}
		if f.GraphQL {
			out.Reuse.UnlessBody = authNames
		} else if strings.HasPrefix(f.Path, restPrefix) {
			out.Reuse.Prefix = restPrefix
		}
	}
}
