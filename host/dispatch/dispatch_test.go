package dispatch_test

import (
	"regexp"
	"testing"

	"edgecrm/host"
	"edgecrm/host/native"
)

// Every answer explains itself: Server-Timing names the call into Go and
// the SQL inside it, with the statement count.
func TestServerTimingNamesCoreAndDB(t *testing.T) {
	h := native.MustNew(t)
	resp, err := h.Fetch("timing", host.Request{Method: "GET", Path: "/admin/state"})
	if err != nil {
		t.Fatal(err)
	}
	st := resp.Headers["server-timing"]
	re := regexp.MustCompile(`core;dur=[0-9.]+, db;dur=[0-9.]+;desc="([1-9][0-9]*) statements"`)
	if !re.MatchString(st) {
		t.Fatalf("server-timing = %q, want core and db with a statement count", st)
	}
}
