package native_test

import (
	"fmt"
	"testing"

	"edgecrm/host"
	"edgecrm/host/native"
)

// BenchmarkCreate measures one REST create through the core natively
// (decide, append, inline projection, outbox flush into SQLite D1).
func BenchmarkCreate(b *testing.B) {
	h, err := newHostB()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		resp, err := h.Fetch("bench", host.Request{Method: "POST", Path: "/rest/people",
			Body: fmt.Sprintf(`{"name":{"firstName":"P%d","lastName":"L"},"city":"Paris","emails":{"primaryEmail":"p%d@x.com"}}`, i, i)})
		if err != nil || resp.Status != 201 {
			b.Fatalf("%v %v", resp, err)
		}
	}
}

func newHostB() (*native.Host, error) { return native.New() }

// BenchmarkNewWorkspace measures a new workspace's first request natively:
// DO migrations, the seed (standard objects and their default views, as
// events, projected), the outbox flush of the seed into D1, then a read.
func BenchmarkNewWorkspace(b *testing.B) {
	h, err := newHostB()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		resp, err := h.Fetch(fmt.Sprintf("ws-%d", i), host.Request{Method: "GET", Path: "/rest/companies", Query: "limit=1"})
		if err != nil || resp.Status != 200 {
			b.Fatalf("%v %v", resp, err)
		}
	}
}
