package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"edgecrm/sqldb/sqldbtest"
	"edgecrm/tests/harness"
)

// benchBridge times the SQL bridge alone inside the wasm core on workerd
// (the test-hook route /admin/selftest/bridge runs sqldbtest.Bench in the
// workspace object): rounds calls of n statements per kind, best round
// reported, since other work on the box only ever adds time.
func benchBridge(base string, n, rounds int, report *strings.Builder) error {
	ws := "bridge"
	if _, err := timed(base, "POST", "/rest/companies", ws, `{"name":"wake"}`, 201); err != nil {
		return err
	}
	best := map[string]sqldbtest.BenchCase{}
	var order []string
	for r := 0; r < rounds; r++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/admin/workspaces/%s/selftest/bridge?n=%d", base, workspaceOf(base, ws), n), nil)
		req.Header.Set("authorization", "Bearer "+harness.AdminToken)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		var out struct {
			Cases []sqldbtest.BenchCase
			Error string
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return fmt.Errorf("bridge bench: %d %v %s", resp.StatusCode, err, out.Error)
		}
		for _, c := range out.Cases {
			if b, ok := best[c.Name]; !ok || c.NsPerStatement < b.NsPerStatement {
				if !ok {
					order = append(order, c.Name)
				}
				best[c.Name] = c
			}
		}
	}
	fmt.Fprintf(report, "## SQL bridge inside the Durable Object (Go wasm ⇄ JS ⇄ ctx.storage.sql)\n\n")
	fmt.Fprintf(report, "`GET /admin/selftest/bridge?n=%d` (test hooks) runs sqldbtest.Bench in a workspace object: %d statements of each kind, timed in Go, SQLite's own work included; best of %d calls.\n\n", n, n, rounds)
	fmt.Fprintf(report, "| statement | ns per statement | ns per cell |\n|---|---|---|\n")
	for _, name := range order {
		c := best[name]
		cell := "–"
		if c.NsPerCell > 0 {
			cell = fmt.Sprintf("%.0f", c.NsPerCell)
		}
		fmt.Fprintf(report, "| %s | %.0f | %s |\n", name, c.NsPerStatement, cell)
	}
	fmt.Fprintln(report)
	return nil
}
