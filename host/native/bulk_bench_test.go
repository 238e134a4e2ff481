package native_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"edgecrm/host"
)

var (
	statementsRE = regexp.MustCompile(`"(\d+) statements"`)
	coreRE       = regexp.MustCompile(`core;dur=([0-9.]+)`)
	dbRE         = regexp.MustCompile(`db;dur=([0-9.]+)`)
)

// BenchmarkBatchCreate measures REST batch creates of benchBatch people
// natively (the bench's bulk load: decode, decide, append, inline
// projection, the response), reporting events/s, the SQL statements per
// event and the Go work per batch (Server-Timing's core minus its db).
func BenchmarkBatchCreate(b *testing.B) {
	h, err := newHostB()
	if err != nil {
		b.Fatal(err)
	}
	stmts := 0
	goMs := 0.0
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
		if c, d := coreRE.FindStringSubmatch(resp.Headers["server-timing"]), dbRE.FindStringSubmatch(resp.Headers["server-timing"]); c != nil && d != nil {
			cv, _ := strconv.ParseFloat(c[1], 64)
			dv, _ := strconv.ParseFloat(d[1], 64)
			goMs += cv - dv
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(stmts)/float64(b.N*benchBatch), "stmts/event")
	b.ReportMetric(goMs/float64(b.N), "go-ms/batch")
}

// benchBatch is BenchmarkBatchCreate's records per batch (the bench's
// load: benchdata.LoadBatch, rest.MaxBatchCreate).
const benchBatch = 200
