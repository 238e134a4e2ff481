package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"edgecrm/tests/harness"
)

// gql posts a GraphQL operation for the workspace aliased ws and returns
// the status and the Server-Timing header.
func gql(t *testing.T, ws, query string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/graphql", strings.NewReader(fmt.Sprintf(`{"query":%q}`, query)))
	req.Header.Set("content-type", "application/json")
	req.Header.Set("authorization", "Bearer "+sessionFor(t, srv.URL, ws).AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || strings.Contains(string(body), `"errors"`) {
		t.Fatalf("%s: %d %s", query, resp.StatusCode, body)
	}
	return resp.StatusCode, strings.Join(resp.Header.Values("Server-Timing"), ", ")
}

var statementsRE = regexp.MustCompile(`db;dur=[0-9.]+;desc="(\d+) statements"`)

// statements is the statement count a Server-Timing header reports.
func statements(t *testing.T, st string) int {
	t.Helper()
	m := statementsRE.FindStringSubmatch(st)
	if m == nil {
		t.Fatalf("no statement count in Server-Timing %q", st)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Every response explains itself: the Worker's own time, the auth checks,
// the whole object call, the Go core inside it, its SQL with a count, the
// wait for the calls grouped with it, and the effects run after it.
func TestServerTimingNamesCoreAndDB(t *testing.T) {
	ws := "timing"
	for _, q := range []string{`mutation { createCompany(data: {name: "Timed"}) { id } }`, `{ companies(first: 5) { edges { node { id name } } } }`} {
		_, st := gql(t, ws, q)
		t.Logf("%s: Server-Timing: %s", q, st)
		for _, phase := range []string{"edge", "auth", "object", "core", "db", "group", "effects"} {
			if !regexp.MustCompile(`(^|, )` + phase + `;dur=[0-9.]+`).MatchString(st) {
				t.Errorf("%s: Server-Timing %q lacks phase %s", q, st, phase)
			}
		}
		if !statementsRE.MatchString(st) {
			t.Errorf("%s: Server-Timing %q has no statement count", q, st)
		}
	}
}

// entryRE finds the core's log line per entry into Go (LOG_ENTRIES=true,
// main_test.go).
var entryRE = regexp.MustCompile(`"entry":"([^"]+)"`)

// TestEntriesPerCreateCompany counts what one GraphQL createCompany costs
// once everything it causes is done (D1 and the consumer have it): JS→Go
// entries (with LOG_ENTRIES the core logs a line per entry) and the statements inside the
// object's call (Server-Timing).
func TestEntriesPerCreateCompany(t *testing.T) {
	ws := "entries"
	id := workspaceID(t, srv.URL, ws)
	gql(t, ws, `mutation { createCompany(data: {name: "Warm"}) { id } }`) // warm: schema and token caches
	settled := func() {
		t.Helper()
		want := head(t, srv.URL, ws)
		if err := harness.Eventually(20*time.Second, func() error {
			_, c := admin(t, srv.URL, "GET", ws, "/consumed")
			if n, _ := c["consumed"].([]any); float64(len(n)) != want {
				return fmt.Errorf("consumed %d of %v", len(n), want)
			}
			_, st := admin(t, srv.URL, "GET", ws, "/state")
			if st["d1"] != want || st["queue"] != want {
				return fmt.Errorf("state %v", st)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	settled()
	count := func(logs string) map[string]int {
		n := map[string]int{}
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, "/admin/") || strings.Contains(line, `"entry":"admin.`) {
				continue
			}
			if m := entryRE.FindStringSubmatch(line); m != nil && (!strings.Contains(line, `"workspace":`) || strings.Contains(line, id)) {
				n[m[1]]++
			}
		}
		return n
	}
	summary := func(n map[string]int) string {
		var names []string
		total := 0
		for k, v := range n {
			names = append(names, fmt.Sprintf("%s=%d", k, v))
			total += v
		}
		sort.Strings(names)
		return fmt.Sprintf("%d entries %v", total, names)
	}
	for i := 0; i < 3; i++ {
		// Logs arrive late: wait for the last entry of each operation.
		logged := func(from int, last string) (int, map[string]int) {
			t.Helper()
			var n map[string]int
			if err := harness.Eventually(10*time.Second, func() error {
				if n = count(srv.Logs()[from:]); n[last] == 0 {
					return fmt.Errorf("no %s logged yet", last)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return len(srv.Logs()), n
		}
		before := len(srv.Logs())
		_, st := gql(t, ws, fmt.Sprintf(`mutation { createCompany(data: {name: "Counted %d"}) { id } }`, i))
		settled()
		mid, created := logged(before, "queue.consume")
		_, rst := gql(t, ws, `{ companies(first: 5) { edges { node { id name } } } }`)
		_, read := logged(mid, "fetch")
		t.Logf("createCompany: %s, %s; read: %s, %s", summary(created), statementsRE.FindString(st),
			summary(read), statementsRE.FindString(rst))
		// Ceilings of what this branch measured (before it: 10 entries and
		// 16 statements a create, 8 statements a read).
		total := func(n map[string]int) (sum int) {
			for _, v := range n {
				sum += v
			}
			return sum
		}
		if c, r := total(created), total(read); c > 6 || r > 3 {
			t.Errorf("createCompany took %d entries into Go (want ≤ 6), a read %d (want ≤ 3)", c, r)
		}
		// The timeline's activity adds 3 statements to a create (its row, its
		// search entry).
		if c, r := statements(t, st), statements(t, rst); c > 15 || r > 5 {
			t.Errorf("createCompany ran %d statements (want ≤ 15), a read %d (want ≤ 5)", c, r)
		}
	}
	// Times (reported, not asserted): the client's wall time, median of 20.
	var create, read []time.Duration
	for i := 0; i < 20; i++ {
		t0 := time.Now()
		gql(t, ws, fmt.Sprintf(`mutation { createCompany(data: {name: "Timed %d"}) { id } }`, i))
		t1 := time.Now()
		gql(t, ws, `{ companies(first: 5) { edges { node { id name } } } }`)
		create, read = append(create, t1.Sub(t0)), append(read, time.Since(t1))
	}
	med := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	t.Logf("wall p50: createCompany %v, read %v", med(create), med(read))
}
