package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"edgecrm/tests/benchdata"
)

// Dataset sizes and the load's batch (tests/benchdata).
const (
	datasetCompanies     = benchdata.Companies
	datasetPeople        = benchdata.People
	datasetOpportunities = benchdata.Opportunities
	datasetNotes         = benchdata.Notes
	datasetTasks         = benchdata.Tasks
	loadBatch            = benchdata.LoadBatch
)

// The generator's words, for the queries.
var (
	firstNames, lastNames = benchdata.FirstNames, benchdata.LastNames
	cities, jobs, stages  = benchdata.Cities, benchdata.Jobs, benchdata.Stages
	words, statuses       = benchdata.Words, benchdata.Statuses
)

// dataset is benchdata's dataset under the names the bench uses.
type dataset struct {
	companies, people, opportunities, notes, tasks []map[string]any
}

// loaded is what the dataset load produced, for the query benchmarks.
type loaded struct {
	*dataset
	companyIDs []string
	personIDs  []string
	events     int
	elapsed    time.Duration
	throttled  int                // seconds waited out on 429 (backpressure)
	timing     map[string]float64 // Server-Timing phases (ms) summed over the batches
	batches    int
	replay     string // the report of the replay inside the object after the load (benchDOReplay)
}

// doTimed is do returning the response's Server-Timing phases too; header
// holds more request headers, as name, value pairs.
func doTimed(base, method, path, ws, body string, header ...string) (int, []byte, map[string]float64, error) {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	if ws != "" {
		s, err := sessionFor(base, ws)
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("authorization", "Bearer "+s.AccessToken)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	t := parseServerTiming(resp.Header.Values("Server-Timing"))
	t["client"] = float64(time.Since(start).Microseconds()) / 1000 // the whole request as the bench sees it
	if m := statementsRE.FindStringSubmatch(strings.Join(resp.Header.Values("Server-Timing"), ",")); m != nil {
		t["statements"], _ = strconv.ParseFloat(m[1], 64)
	}
	return resp.StatusCode, b, t, err
}

var statementsRE = regexp.MustCompile(`"(\d+) statements"`)

// timingSummary is the mean of each Server-Timing phase per batch.
func (l *loaded) timingSummary() string {
	var names []string
	for k := range l.timing {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		unit := " ms"
		if k == "statements" {
			unit = ""
		}
		parts = append(parts, fmt.Sprintf("%s %.1f%s", k, l.timing[k]/float64(max(1, l.batches)), unit))
	}
	return strings.Join(parts, ", ")
}

func benchUUID(rng *rand.Rand) string { return benchdata.UUID(rng) }

func generateDataset(scale float64) *dataset {
	d := benchdata.Generate(scale)
	return &dataset{companies: d.Companies, people: d.People, opportunities: d.Opportunities, notes: d.Notes, tasks: d.Tasks}
}

func idsOf(recs []map[string]any) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r["id"].(string)
	}
	return out
}

// loadDataset creates the dataset through the command path (REST batch
// creates, loadBatch records a command) and reports the rate.
func loadDataset(base, ws string, d *dataset, progress func(string)) (*loaded, error) {
	out := &loaded{dataset: d, companyIDs: idsOf(d.companies), personIDs: idsOf(d.people), timing: map[string]float64{}}
	start := time.Now()
	for _, part := range []struct {
		plural string
		recs   []map[string]any
	}{{"companies", d.companies}, {"people", d.people}, {"opportunities", d.opportunities}, {"notes", d.notes}, {"tasks", d.tasks}} {
		for i := 0; i < len(part.recs); i += loadBatch {
			recs := part.recs[i:min(i+loadBatch, len(part.recs))]
			body, _ := json.Marshal(recs)
			status, resp, timing, err := doTimed(base, "POST", "/rest/batch/"+part.plural, ws, string(body))
			// Backpressure (429) is the contract for bulk writers while the
			// stream lags: wait and send the batch again; the rate counts it.
			for waited := 0; err == nil && status == 429 && waited < 600; waited++ {
				if waited%30 == 0 {
					progress(fmt.Sprintf("%s at %d: 429 (stream lagging), waiting", part.plural, i))
				}
				out.throttled++
				time.Sleep(time.Second)
				status, resp, timing, err = doTimed(base, "POST", "/rest/batch/"+part.plural, ws, string(body))
			}
			if err != nil || status != 201 {
				return nil, fmt.Errorf("batch %s at %d: %d %.300s %v", part.plural, i, status, resp, err)
			}
			out.events += len(recs)
			out.batches++
			for k, v := range timing {
				out.timing[k] += v
			}
			if (i/loadBatch)%100 == 0 {
				progress(fmt.Sprintf("%s: %d/%d (%.0f events/s so far)", part.plural, i+len(recs), len(part.recs), float64(out.events)/time.Since(start).Seconds()))
			}
		}
	}
	out.elapsed = time.Since(start)
	return out, nil
}
