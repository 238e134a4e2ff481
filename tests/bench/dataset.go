package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
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
	throttled  int // seconds waited out on 429 (backpressure)
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
	out := &loaded{dataset: d, companyIDs: idsOf(d.companies), personIDs: idsOf(d.people)}
	start := time.Now()
	for _, part := range []struct {
		plural string
		recs   []map[string]any
	}{{"companies", d.companies}, {"people", d.people}, {"opportunities", d.opportunities}, {"notes", d.notes}, {"tasks", d.tasks}} {
		for i := 0; i < len(part.recs); i += loadBatch {
			recs := part.recs[i:min(i+loadBatch, len(part.recs))]
			body, _ := json.Marshal(recs)
			status, resp, err := do(base, "POST", "/rest/batch/"+part.plural, ws, string(body))
			// Backpressure (429) is the contract for bulk writers while the
			// stream lags: wait and send the batch again; the rate counts it.
			for waited := 0; err == nil && status == 429 && waited < 600; waited++ {
				if waited%30 == 0 {
					progress(fmt.Sprintf("%s at %d: 429 (stream lagging), waiting", part.plural, i))
				}
				out.throttled++
				time.Sleep(time.Second)
				status, resp, err = do(base, "POST", "/rest/batch/"+part.plural, ws, string(body))
			}
			if err != nil || status != 201 {
				return nil, fmt.Errorf("batch %s at %d: %d %.300s %v", part.plural, i, status, resp, err)
			}
			out.events += len(recs)
			if (i/loadBatch)%100 == 0 {
				progress(fmt.Sprintf("%s: %d/%d (%.0f events/s so far)", part.plural, i+len(recs), len(part.recs), float64(out.events)/time.Since(start).Seconds()))
			}
		}
	}
	out.elapsed = time.Since(start)
	return out, nil
}
