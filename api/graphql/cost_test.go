package graphql_test

import (
	"edgecrm/host/native"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestCostModelRefusesBeforeWork reproduces issue 9's expensive documents
// on /graphql: each is refused with a Twenty-shaped error before it is
// validated or executed (no timing is asserted: the error says which limit
// stopped it, which only the cost model can say).
func TestCostModelRefusesBeforeWork(t *testing.T) {
	h := native.MustNew(t)
	// Many aliases in one selection: gqlparser's overlap rule is quadratic
	// in them (224 KB took 15.6 s).
	var wide strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&wide, "a%d: id ", i)
	}
	// A document over the size cap is refused before it is parsed.
	huge := "{ companies { edges { node { " + strings.Repeat("id ", 80_000) + "} } } }"
	// Fragments spread twice per level expand to 2^20 fields.
	var expo strings.Builder
	expo.WriteString("{ companies { edges { node { ...F0 } } } }")
	for i := range 20 {
		fmt.Fprintf(&expo, " fragment F%d on Company { a: name ...F%d b: name ...F%d }", i, i+1, i+1)
	}
	expo.WriteString(" fragment F20 on Company { id }")
	introTwice := strings.Repeat(" x%d: __schema { queryType { name } }", 11)
	for i := 0; i < 11; i++ {
		introTwice = strings.Replace(introTwice, "%d", fmt.Sprint(i), 1)
	}

	tests := []struct {
		name, query, code, msg string
		status                 int
	}{
		{"wide selection", "{ companies { edges { node { " + wide.String() + "} } } }", "GRAPHQL_VALIDATION_FAILED", "aliases", 400},
		{"over the size cap", huge, "PAYLOAD_TOO_LARGE", "bytes", 413},
		{"exponential fragments", expo.String(), "GRAPHQL_VALIDATION_FAILED", "fields (fragments expanded)", 400},
		{"nested pages", `{ companies(first: 10000) { edges { node { people(first: 10000) { edges { node { id name { firstName } } } } } } } }`,
			"GRAPHQL_VALIDATION_FAILED", "page sizes", 400},
		{"nested pages by variable", `query($n: Int) { companies(first: $n) { edges { node { people(first: $n) { edges { node { id } } } } } } }`,
			"GRAPHQL_VALIDATION_FAILED", "page sizes", 400},
		{"introspection many times", "{" + introTwice + " }", "GRAPHQL_VALIDATION_FAILED", "introspection fields", 400},
		{"cyclic introspection", `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`,
			"GRAPHQL_VALIDATION_FAILED", "introspection lists", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gql(t, h, tt.query, map[string]any{"n": 10000})
			if r.Status != tt.status || r.code() != tt.code || !strings.Contains(r.Errors[0].Message, tt.msg) || r.Data != nil {
				t.Fatalf("got %d %.300s", r.Status, r.Raw)
			}
		})
	}
}

// TestCostModelAdmitsRealQueries: the front end's shapes stay under the
// budget, introspection included.
func TestCostModelAdmitsRealQueries(t *testing.T) {
	h := native.MustNew(t)
	intro, err := os.ReadFile("testdata/introspection_query.graphql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`{ companies(first: 60) { edges { node { id name people(first: 60) { edges { node { id name { firstName lastName } } } } } } } }`,
		`{ people(first: 10000) { edges { node { id } } } }`,
		string(intro),
	} {
		if r := gql(t, h, q, nil); r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("%.60s: %d %.300s", q, r.Status, r.Raw)
		}
	}
}

// TestSearchCountsAgainstTheRowCap: search looks for offset+limit+1 hits
// in every searchable object, so offset+limit is capped like a page.
func TestSearchCountsAgainstTheRowCap(t *testing.T) {
	h := native.MustNew(t)
	r := gql(t, h, `{ search(searchInput: "a", limit: 10, offset: 9995) { edges { node { recordId } } } }`, nil)
	if r.code() != "PAYLOAD_TOO_LARGE" || !strings.Contains(r.Errors[0].Message, "offset + limit") {
		t.Fatalf("got %d %.300s", r.Status, r.Raw)
	}
	if r := gql(t, h, `{ search(searchInput: "a", limit: 10, offset: 10) { edges { node { recordId } } } }`, nil); r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("small search: %d %.300s", r.Status, r.Raw)
	}
}
