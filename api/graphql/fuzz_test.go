package graphql_test

import (
	"encoding/json"
	"testing"

	"edgecrm/host"
	"edgecrm/host/native"
)

// FuzzGraphQLDocument sends arbitrary documents and variables through the
// cost model and the executor of /graphql: no input may panic or be
// answered with a 500 (a bad document is a 4xx, a good one a 200).
func FuzzGraphQLDocument(f *testing.F) {
	for _, seed := range []struct{ q, vars string }{
		{`{ companies(first: 2) { edges { node { id name people { edges { node { name { firstName } } } } } } } }`, `{}`},
		{`query($n: Int) { people(first: $n, filter: { name: { firstName: { like: "%a%" } } }) { totalCount pageInfo { endCursor } } }`, `{"n": 3}`},
		{`mutation($d: CompanyCreateInput!) { createCompany(data: $d) { id name } }`, `{"d": {"name": "Acme"}}`},
		{`fragment F on Company { a: id ...G } fragment G on Company { b: name } { companies { edges { node { ...F ... on Company { id @skip(if: true) } } } } }`, `{}`},
		{`{ search(searchInput: "a", limit: 5) { edges { node { recordId label } } } __schema { types { name } } }`, `{}`},
		{`{ __type(name: "Company") { fields { name type { kind ofType { name } } } } }`, `null`},
	} {
		f.Add(seed.q, seed.vars)
	}
	h := native.MustNew(f)
	f.Fuzz(func(t *testing.T, query, vars string) {
		var v any
		if json.Unmarshal([]byte(vars), &v) != nil {
			v = nil
		}
		body, _ := json.Marshal(map[string]any{"query": query, "variables": v})
		resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: "/graphql", Body: string(body), Headers: map[string]string{"content-type": "application/json"}})
		if err != nil {
			t.Fatalf("%q: %v", query, err)
		}
		if resp.Status >= 500 {
			t.Fatalf("%q: %d %.300s", query, resp.Status, resp.Body)
		}
	})
}
