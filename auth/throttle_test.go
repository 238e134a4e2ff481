package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottleBackoff(t *testing.T) {
	th := NewThrottle(ThrottleConfig{FreeFailures: 3, BaseDelay: time.Second, MaxDelay: 10 * time.Second, ForgetAfter: time.Hour})
	const key = "acct:a@example.com"
	now := t0
	// Failures 1..3 are free; then 1s, 2s, 4s, 8s, 10s (capped), 10s.
	wants := []time.Duration{0, 0, 0, 1, 2, 4, 8, 10, 10}
	for i, want := range wants {
		if wait, ok := th.Check(key, now); !ok {
			t.Fatalf("failure %d: refused before failing (wait %v)", i+1, wait)
		}
		if got := th.Fail(key, now); got != want*time.Second {
			t.Fatalf("failure %d: Fail = %v, want %v", i+1, got, want*time.Second)
		}
		wait, ok := th.Check(key, now)
		if ok != (want == 0) || wait != want*time.Second {
			t.Fatalf("failure %d: Check = %v, %v", i+1, wait, ok)
		}
		if want > 0 {
			half := want * time.Second / 2
			if wait, ok := th.Check(key, now.Add(half)); ok || wait != want*time.Second-half {
				t.Fatalf("failure %d: half-way Check = %v, %v", i+1, wait, ok)
			}
		}
		now = now.Add(want * time.Second) // wait out the window exactly
	}
	// Other keys are unaffected.
	if _, ok := th.Check("ip:192.0.2.1", now); !ok {
		t.Fatal("unrelated key refused")
	}
	// Success forgets.
	th.Fail(key, now)
	if _, ok := th.Check(key, now); ok {
		t.Fatal("not refused")
	}
	th.Succeed(key)
	if _, ok := th.Check(key, now); !ok || th.Fail(key, now) != 0 {
		t.Fatal("Succeed did not reset")
	}
}

func TestThrottleForgets(t *testing.T) {
	th := NewThrottle(ThrottleConfig{FreeFailures: 1, ForgetAfter: time.Hour})
	th.Fail("k", t0)
	if d := th.Fail("k", t0); d != time.Second {
		t.Fatalf("second failure: %v", d)
	}
	// An hour after the last failure the count starts over.
	later := t0.Add(time.Hour)
	if _, ok := th.Check("k", later); !ok || th.Len() != 0 {
		t.Fatal("stale key kept")
	}
	if d := th.Fail("k", later); d != 0 {
		t.Fatalf("first failure after forgetting: %v", d)
	}
}

func TestThrottleBounded(t *testing.T) {
	th := NewThrottle(ThrottleConfig{FreeFailures: 1, MaxKeys: 3, MaxDelay: time.Hour})
	// "locked" is blocked; a flood of new keys must not evict it.
	th.Fail("locked", t0)
	th.Fail("locked", t0)
	for i := range 10 {
		th.Fail(fmt.Sprint("flood-", i), t0.Add(time.Duration(i)*time.Millisecond))
		if th.Len() > 3 {
			t.Fatalf("Len = %d", th.Len())
		}
	}
	if _, ok := th.Check("locked", t0.Add(time.Millisecond)); ok {
		t.Fatal("flood evicted a blocked key")
	}
}
