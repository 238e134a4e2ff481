package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strings"
	"time"

	"edgecrm/tests/harness"
)

// gql posts a GraphQL operation and fails on errors in the answer.
func gql(base, ws, query string, vars map[string]any) (map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	status, resp, err := do(base, "POST", "/graphql", ws, string(body))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(resp, &m); err != nil || status != 200 || m["errors"] != nil {
		return nil, fmt.Errorf("graphql %d: %.300s", status, resp)
	}
	return m, nil
}

type op struct {
	name string
	run  func(i int) error
}

// benchQueries measures the CRM operations on the loaded dataset.
func benchQueries(base, ws string, d *loaded, iterations int, report *strings.Builder) error {
	rng := rand.New(rand.NewSource(7))
	pick := func(ids []string) string { return ids[rng.Intn(len(ids))] }
	ops := []op{
		{"filtered, sorted first page (people of a company, by position)", func(int) error {
			_, err := gql(base, ws, `query($c: UUID!) { people(filter: { companyId: { eq: $c } }, orderBy: [{ position: AscNullsFirst }], first: 60) { totalCount edges { node { id name { firstName lastName } city } } } }`,
				map[string]any{"c": pick(d.companyIDs)})
			return err
		}},
		{"filtered, sorted first page (people in a city, by last name; no index on city)", func(int) error {
			_, err := gql(base, ws, `query($city: String) { people(filter: { city: { eq: $city } }, orderBy: [{ name: { lastName: AscNullsLast } }], first: 60) { edges { node { id name { lastName } } } } }`,
				map[string]any{"city": cities[rng.Intn(len(cities))]})
			return err
		}},
		{"findOne with nested relations (person → company → people)", func(int) error {
			_, err := gql(base, ws, `query($id: UUID!) { person(filter: { id: { eq: $id } }) { id name { firstName } company { name people(first: 5) { edges { node { id } } } } } }`,
				map[string]any{"id": pick(d.personIDs)})
			return err
		}},
		{"cross-object search", func(int) error {
			_, err := gql(base, ws, `query($q: String!) { search(searchInput: $q, limit: 20) { edges { node { recordId objectNameSingular label } } } }`,
				map[string]any{"q": strings.ToLower(words[rng.Intn(len(words))][:4])})
			return err
		}},
		{"create (createPerson)", func(i int) error {
			_, err := gql(base, ws, `mutation($d: PersonCreateInput!) { createPerson(data: $d) { id } }`,
				map[string]any{"d": map[string]any{"name": map[string]any{"firstName": "Bench", "lastName": fmt.Sprint(i)}, "companyId": pick(d.companyIDs)}})
			return err
		}},
		{"update (updatePerson)", func(i int) error {
			_, err := gql(base, ws, `mutation($id: UUID!, $d: PersonUpdateInput!) { updatePerson(id: $id, data: $d) { id } }`,
				map[string]any{"id": pick(d.personIDs), "d": map[string]any{"city": cities[i%len(cities)]}})
			return err
		}},
	}
	fmt.Fprintf(report, "| operation | p50 | p99 |\n|---|---|---|\n")
	for _, o := range ops {
		var s sample
		for i := 0; i < iterations+10; i++ {
			t0 := time.Now()
			if err := o.run(i); err != nil {
				return fmt.Errorf("%s: %w", o.name, err)
			}
			if i >= 10 {
				s = append(s, time.Since(t0))
			}
		}
		fmt.Fprintf(report, "| %s | %s | %s |\n", o.name, ms(s.Pct(0.5)), ms(s.Pct(0.99)))
	}
	fmt.Fprintln(report)
	return nil
}

// waitOutbox polls the workspace's checkpoints until D1 and the queue have
// every event and the queue consumer has recorded them all, bounded by
// timeout; it returns how long that took.
func waitOutbox(base, ws string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	consumed := 0.0
	for {
		req, _ := http.NewRequest("GET", base+"/admin/workspaces/"+workspaceOf(base, ws)+"/state", nil)
		req.Header.Set("authorization", "Bearer "+harness.AdminToken)
		resp, err := client.Do(req)
		if err == nil {
			var st map[string]float64
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if st["head"] > 0 && st["d1"] == st["head"] && st["queue"] == st["head"] {
				// and the queue consumer has recorded it all (it shares the
				// Worker's isolate: its backlog would slow every request)
				at, err := consumerAt(base, ws, consumed)
				if err == nil && at >= st["head"] {
					return time.Since(start), nil
				}
				consumed = max(consumed, at)
			}
		}
		if time.Since(start) > timeout {
			return 0, fmt.Errorf("outbox of %s not drained after %v", ws, timeout)
		}
		time.Sleep(time.Second)
	}
}

// consumerAt reads how far the queue consumer has recorded ws's log
// (/admin/consumer, from a position known before).
func consumerAt(base, ws string, after float64) (float64, error) {
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/admin/workspaces/%s/consumer?after=%d", base, workspaceOf(base, ws), int64(after)), nil)
	req.Header.Set("authorization", "Bearer "+harness.AdminToken)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var m struct{ Consumer float64 }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return 0, err
	}
	return m.Consumer, nil
}
