package native_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"edgecrm/host"
)

var statementsRE = regexp.MustCompile(`"(\d+) statements"`)

// BenchmarkBatchCreate measures REST batch creates of 60 people natively
// (the bench's bulk load: decide, append, inline projection per batch),
// reporting events/s and the SQL statements per event (from Server-Timing).
func BenchmarkBatchCreate(b *testing.B) {
	h, err := newHostB()
	if err != nil {
		b.Fatal(err)
	}
	stmts := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		recs := make([]map[string]any, benchBatch)
		for j := range recs {
			n := i*benchBatch + j
			recs[j] = map[string]any{"name": map[string]any{"firstName": fmt.Sprintf("P%d", n), "lastName": "L"}, "city": "Paris",
				"emails": map[string]any{"primaryEmail": fmt.Sprintf("p%d@x.com", n)}}
		}
		body, _ := json.Marshal(recs)
		resp, err := h.Fetch("bench", host.Request{Method: "POST", Path: "/rest/batch/people", Body: string(body)})
		if err != nil || resp.Status != 201 {
			b.Fatalf("%v %v", resp, err)
		}
		if m := statementsRE.FindStringSubmatch(resp.Headers["server-timing"]); m != nil {
			n, _ := strconv.Atoi(m[1])
			stmts += n
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(stmts)/float64(b.N*benchBatch), "stmts/event")
}

// benchBatch is BenchmarkBatchCreate's records per batch (the bench's load).
const benchBatch = 1000
