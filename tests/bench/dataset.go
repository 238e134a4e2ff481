package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"time"
)

// Dataset sizes at scale 1 (the minimum).
const (
	datasetCompanies     = 20_000
	datasetPeople        = 100_000
	datasetOpportunities = 50_000
	datasetNotes         = 20_000
	datasetTasks         = 20_000
	loadBatch            = 60 // records per batch create (REST batch limit, rest.MaxBatchCreate)
)

var (
	firstNames = []string{"Anna", "Bob", "Carla", "Dan", "Eve", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kemal", "Lea", "Mina", "Noah", "Olga", "Pavel"}
	lastNames  = []string{"Smith", "Stone", "Diaz", "Brown", "Adams", "Ng", "Okafor", "Rossi", "Schmidt", "Tanaka", "Usman", "Vega", "Wang", "Xu", "Young", "Zola"}
	cities     = []string{"Paris", "Berlin", "Lisbon", "Austin", "Lagos", "Tokyo", "Lima", "Oslo", "Pune", "Quito"}
	jobs       = []string{"CEO", "CTO", "Engineer", "Sales", "Designer", "Marketing", "Support", "Finance"}
	stages     = []string{"NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"}
	words      = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Vandelay"}
)

// loaded is what the dataset load produced, for the query benchmarks.
type loaded struct {
	companyIDs []string
	personIDs  []string
	events     int
	elapsed    time.Duration
}

// loadDataset creates the deterministic dataset through the command path
// (REST batch creates, 100 records a command) and reports the rate.
func loadDataset(base, ws string, scale float64, progress func(string)) (*loaded, error) {
	rng := rand.New(rand.NewSource(42))
	n := func(x int) int { return max(1, int(float64(x)*scale)) }
	out := &loaded{}
	start := time.Now()
	batch := func(plural string, count int, gen func(i int) map[string]any) ([]string, error) {
		var ids []string
		for i := 0; i < count; i += loadBatch {
			var recs []map[string]any
			for j := i; j < min(i+loadBatch, count); j++ {
				recs = append(recs, gen(j))
			}
			body, _ := json.Marshal(recs)
			status, resp, err := do(base, "POST", "/rest/batch/"+plural, ws, string(body))
			if err != nil || status != 201 {
				return nil, fmt.Errorf("batch %s at %d: %d %.300s %v", plural, i, status, resp, err)
			}
			var m struct {
				Data map[string][]struct{ ID string } `json:"data"`
			}
			if err := json.Unmarshal(resp, &m); err != nil {
				return nil, err
			}
			for _, list := range m.Data {
				for _, r := range list {
					ids = append(ids, r.ID)
				}
			}
			out.events += len(recs)
			if (i/loadBatch)%100 == 0 {
				progress(fmt.Sprintf("%s: %d/%d (%.0f events/s so far)", plural, i+len(recs), count, float64(out.events)/time.Since(start).Seconds()))
			}
		}
		return ids, nil
	}
	var err error
	out.companyIDs, err = batch("companies", n(datasetCompanies), func(i int) map[string]any {
		name := fmt.Sprintf("%s %s %d", words[rng.Intn(len(words))], lastNames[rng.Intn(len(lastNames))], i)
		return map[string]any{"name": name, "employees": rng.Intn(10_000),
			"domainName": map[string]any{"primaryLinkUrl": fmt.Sprintf("https://c%d.example.com", i)}}
	})
	if err != nil {
		return nil, err
	}
	out.personIDs, err = batch("people", n(datasetPeople), func(i int) map[string]any {
		f, l := firstNames[rng.Intn(len(firstNames))], lastNames[rng.Intn(len(lastNames))]
		return map[string]any{"name": map[string]any{"firstName": f, "lastName": l},
			"emails": map[string]any{"primaryEmail": fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(f), strings.ToLower(l), i)},
			"city":   cities[rng.Intn(len(cities))], "jobTitle": jobs[rng.Intn(len(jobs))],
			"companyId": out.companyIDs[rng.Intn(len(out.companyIDs))]}
	})
	if err != nil {
		return nil, err
	}
	if _, err = batch("opportunities", n(datasetOpportunities), func(i int) map[string]any {
		return map[string]any{"name": fmt.Sprintf("Deal %d", i), "stage": stages[rng.Intn(len(stages))],
			"amount":           map[string]any{"amountMicros": int64(rng.Intn(1_000_000)) * 1_000_000, "currencyCode": "USD"},
			"companyId":        out.companyIDs[rng.Intn(len(out.companyIDs))],
			"pointOfContactId": out.personIDs[rng.Intn(len(out.personIDs))]}
	}); err != nil {
		return nil, err
	}
	if _, err = batch("notes", n(datasetNotes), func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprintf("Note %d about %s", i, words[rng.Intn(len(words))])}
	}); err != nil {
		return nil, err
	}
	if _, err = batch("tasks", n(datasetTasks), func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprintf("Task %d", i), "status": []string{"TODO", "IN_PROGRESS", "DONE"}[rng.Intn(3)]}
	}); err != nil {
		return nil, err
	}
	out.elapsed = time.Since(start)
	return out, nil
}
