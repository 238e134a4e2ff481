// Package benchdata generates the benchmark dataset (Twenty-shaped
// companies, people, opportunities, notes and tasks, seeded): the load of
// tests/bench and the native replay benchmark use the same records.
package benchdata

import (
	"fmt"
	"math/rand"
	"strings"
)

// Dataset sizes at scale 1 (the minimum).
const (
	Companies     = 20_000
	People        = 100_000
	Opportunities = 50_000
	Notes         = 20_000
	Tasks         = 20_000
	LoadBatch     = 200 // records per batch create (REST batch limit, rest.MaxBatchCreate)
)

// The words the generator draws from (queries of the bench use them too).
var (
	FirstNames = []string{"Anna", "Bob", "Carla", "Dan", "Eve", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kemal", "Lea", "Mina", "Noah", "Olga", "Pavel"}
	LastNames  = []string{"Smith", "Stone", "Diaz", "Brown", "Adams", "Ng", "Okafor", "Rossi", "Schmidt", "Tanaka", "Usman", "Vega", "Wang", "Xu", "Young", "Zola"}
	Cities     = []string{"Paris", "Berlin", "Lisbon", "Austin", "Lagos", "Tokyo", "Lima", "Oslo", "Pune", "Quito"}
	Jobs       = []string{"CEO", "CTO", "Engineer", "Sales", "Designer", "Marketing", "Support", "Finance"}
	Stages     = []string{"NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"}
	Words      = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Vandelay"}
	Statuses   = []string{"TODO", "IN_PROGRESS", "DONE"}
)

// Dataset is the generated data in the API's shape (Twenty's REST/GraphQL
// input: composite fields as nested objects). Every record carries its id
// and position, so edgecrm and PostgreSQL hold the same rows.
type Dataset struct {
	Companies, People, Opportunities, Notes, Tasks []map[string]any
}

// UUID returns a random version-4 UUID drawn from rng (deterministic
// for a seeded rng).
func UUID(rng *rand.Rand) string {
	var b [16]byte
	rng.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Generate builds the deterministic (seeded) dataset at scale.
func Generate(scale float64) *Dataset {
	rng := rand.New(rand.NewSource(42))
	ids := rand.New(rand.NewSource(43))
	n := func(x int) int { return max(1, int(float64(x)*scale)) }
	gen := func(count int, f func(i int) map[string]any) []map[string]any {
		out := make([]map[string]any, count)
		for i := range out {
			r := f(i)
			r["id"], r["position"] = UUID(ids), float64(i)
			out[i] = r
		}
		return out
	}
	d := &Dataset{}
	d.Companies = gen(n(Companies), func(i int) map[string]any {
		name := fmt.Sprintf("%s %s %d", Words[rng.Intn(len(Words))], LastNames[rng.Intn(len(LastNames))], i)
		return map[string]any{"name": name, "employees": rng.Intn(10_000),
			"domainName": map[string]any{"primaryLinkUrl": fmt.Sprintf("https://c%d.example.com", i)}}
	})
	company := func() string { return d.Companies[rng.Intn(len(d.Companies))]["id"].(string) }
	d.People = gen(n(People), func(i int) map[string]any {
		f, l := FirstNames[rng.Intn(len(FirstNames))], LastNames[rng.Intn(len(LastNames))]
		return map[string]any{"name": map[string]any{"firstName": f, "lastName": l},
			"emails": map[string]any{"primaryEmail": fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(f), strings.ToLower(l), i)},
			"city":   Cities[rng.Intn(len(Cities))], "jobTitle": Jobs[rng.Intn(len(Jobs))],
			"companyId": company()}
	})
	d.Opportunities = gen(n(Opportunities), func(i int) map[string]any {
		return map[string]any{"name": fmt.Sprintf("Deal %d", i), "stage": Stages[rng.Intn(len(Stages))],
			"amount":           map[string]any{"amountMicros": int64(rng.Intn(1_000_000)) * 1_000_000, "currencyCode": "USD"},
			"companyId":        company(),
			"pointOfContactId": d.People[rng.Intn(len(d.People))]["id"]}
	})
	d.Notes = gen(n(Notes), func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprintf("Note %d about %s", i, Words[rng.Intn(len(Words))])}
	})
	d.Tasks = gen(n(Tasks), func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprintf("Task %d", i), "status": Statuses[rng.Intn(3)]}
	})
	return d
}
