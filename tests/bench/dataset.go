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
	statuses   = []string{"TODO", "IN_PROGRESS", "DONE"}
)

// dataset is the generated data in the API's shape (Twenty's REST/GraphQL
// input: composite fields as nested objects). Every record carries its id
// and position, so edgecrm and PostgreSQL hold the same rows.
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
}

// benchUUID returns a random version-4 UUID drawn from rng (deterministic
// for a seeded rng).
func benchUUID(rng *rand.Rand) string {
	var b [16]byte
	rng.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// generateDataset builds the deterministic (seeded) dataset at scale.
func generateDataset(scale float64) *dataset {
	rng := rand.New(rand.NewSource(42))
	ids := rand.New(rand.NewSource(43))
	n := func(x int) int { return max(1, int(float64(x)*scale)) }
	gen := func(count int, f func(i int) map[string]any) []map[string]any {
		out := make([]map[string]any, count)
		for i := range out {
			r := f(i)
			r["id"], r["position"] = benchUUID(ids), float64(i)
			out[i] = r
		}
		return out
	}
	d := &dataset{}
	d.companies = gen(n(datasetCompanies), func(i int) map[string]any {
		name := fmt.Sprintf("%s %s %d", words[rng.Intn(len(words))], lastNames[rng.Intn(len(lastNames))], i)
		return map[string]any{"name": name, "employees": rng.Intn(10_000),
			"domainName": map[string]any{"primaryLinkUrl": fmt.Sprintf("https://c%d.example.com", i)}}
	})
	company := func() string { return d.companies[rng.Intn(len(d.companies))]["id"].(string) }
	d.people = gen(n(datasetPeople), func(i int) map[string]any {
		f, l := firstNames[rng.Intn(len(firstNames))], lastNames[rng.Intn(len(lastNames))]
		return map[string]any{"name": map[string]any{"firstName": f, "lastName": l},
			"emails": map[string]any{"primaryEmail": fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(f), strings.ToLower(l), i)},
			"city":   cities[rng.Intn(len(cities))], "jobTitle": jobs[rng.Intn(len(jobs))],
			"companyId": company()}
	})
	d.opportunities = gen(n(datasetOpportunities), func(i int) map[string]any {
		return map[string]any{"name": fmt.Sprintf("Deal %d", i), "stage": stages[rng.Intn(len(stages))],
			"amount":           map[string]any{"amountMicros": int64(rng.Intn(1_000_000)) * 1_000_000, "currencyCode": "USD"},
			"companyId":        company(),
			"pointOfContactId": d.people[rng.Intn(len(d.people))]["id"]}
	})
	d.notes = gen(n(datasetNotes), func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprintf("Note %d about %s", i, words[rng.Intn(len(words))])}
	})
	d.tasks = gen(n(datasetTasks), func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprintf("Task %d", i), "status": statuses[rng.Intn(3)]}
	})
	return d
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
