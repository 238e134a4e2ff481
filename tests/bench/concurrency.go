package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"edgecrm/tests/harness"
)

// writers is how many clients write into one workspace at once.
const writers = 8

// concurrentCreates runs writers clients, each creating perWriter records
// one after another, all into one object; it returns creates per second.
func concurrentCreates(base, path, ws string, perWriter int) (float64, error) {
	if ws != "" {
		if _, err := sessionFor(base, ws); err != nil { // sign up once, before the clock
			return 0, err
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				status, body, err := do(base, "POST", path, ws, fmt.Sprintf(`{"name":"W%d-%d"}`, w, i))
				if err != nil || status != 201 {
					errs <- fmt.Errorf("writer %d create %d: %d %.200s %v", w, i, status, body, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(writers*perWriter) / elapsed.Seconds(), nil
}

// benchConcurrency reports creates/s of writers concurrent clients into
// one workspace, edgecrm beside the bare JS object, interleaved rounds.
// It also counts the EVENTS batches the queue consumer took for them
// (queueBatches), so the report can say how many creates shared one.
func benchConcurrency(crmURL, bareURL string, perWriter, rounds int, report *strings.Builder) error {
	var crm, bare []float64
	for r := 0; r < rounds; r++ {
		c, err := concurrentCreates(crmURL, "/rest/companies", "concurrency", perWriter)
		if err != nil {
			return err
		}
		// The round's outbox and queue consumer finish before the bare
		// object's round starts: on this machine they share its CPU.
		if _, err := waitOutbox(crmURL, "concurrency", 5*time.Minute); err != nil {
			return err
		}
		b, err := concurrentCreates(bareURL, "/rec", "", perWriter)
		if err != nil {
			return err
		}
		crm, bare = append(crm, c), append(bare, b)
	}
	fmt.Fprintf(report, "## %d concurrent writers into one workspace\n\n", writers)
	fmt.Fprintf(report, "Each writer sends %d creates one after another (`POST /rest/companies`; the bare JS object: one insert each); %d rounds, interleaved. Before each bare round, edgecrm's outbox and queue consumer finish the events of its round (untimed): the work that would otherwise run on in the bare round's time.\n\n", perWriter, rounds)
	fmt.Fprintf(report, "| round | edgecrm creates/s | bare JS DO creates/s | ratio |\n|---|---|---|---|\n")
	var sc, sb float64
	for i := range crm {
		sc, sb = sc+crm[i], sb+bare[i]
		fmt.Fprintf(report, "| %d | %.0f | %.0f | %.2f |\n", i+1, crm[i], bare[i], crm[i]/bare[i])
	}
	fmt.Fprintf(report, "| mean | %.0f | %.0f | %.2f |\n\n", sc/float64(rounds), sb/float64(rounds), sc/sb)
	if _, err := waitOutbox(crmURL, "concurrency", 5*time.Minute); err != nil {
		return err
	}
	batches, events, err := queueBatches(crmURL, "concurrency", "company.created")
	if err != nil {
		return err
	}
	fmt.Fprintf(report, "EVENTS queue batches per create (edgecrm): %.2f (%d batches held the %d `company.created` events).\n\n", float64(batches)/float64(events), batches, events)
	return nil
}

// queueBatches counts ws's events of type typ and the queue consumer's
// batches that held them: consumed_events records each event with its
// batch's time (/admin/workspaces/<ws>/consumed; two batches within one
// millisecond count as one).
func queueBatches(base, ws, typ string) (batches, events int, err error) {
	at := map[string]bool{}
	for after := int64(0); after >= 0; { // page by page (next: null on the last)
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/admin/workspaces/%s/consumed?after=%d", base, workspaceOf(base, ws), after), nil)
		req.Header.Set("authorization", "Bearer "+harness.AdminToken)
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		var m struct {
			Consumed []struct{ Type, ConsumedAt string }
			Next     *int64
		}
		err = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if err != nil {
			return 0, 0, err
		}
		for _, c := range m.Consumed {
			if c.Type == typ {
				at[c.ConsumedAt] = true
				events++
			}
		}
		after = -1
		if m.Next != nil {
			after = *m.Next
		}
	}
	if events == 0 {
		return 0, 0, fmt.Errorf("no %s event of %s consumed", typ, ws)
	}
	return len(at), events, nil
}

// runSection runs one section alone on a fresh wrangler dev and writes its
// report to outPath: pg (make bench BENCH_FLAGS="-only=pg -scale=0.05
// -out=/tmp/pg.md": the dataset, then the PostgreSQL comparison), load
// (the dataset's bulk load, then the CRM operations on it) or concurrency.
func runSection(section, outPath string, scale float64, perWriter, pgN, bridgeN int) error {
	crm, dir, err := startEdgecrm()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer crm.Stop()
	if f := os.Getenv("EDGECRM_BENCH_LOGS"); f != "" { // wrangler's log lines, for a breakdown by entry
		defer func() { os.WriteFile(f, []byte(crm.Logs()), 0o644) }()
	}
	report := &strings.Builder{}
	fmt.Fprintf(report, "# Benchmarks: %s only\n\nWritten by `go run ./tests/bench -only=%s` on %s (%d cores, %s/%s). Loopback only, `wrangler dev` (workerd, local storage).\n\n",
		section, section, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	if len(wranglerVars) > 0 {
		fmt.Fprintf(report, "edgecrm ran with `%s` over its defaults.\n\n", strings.Join(wranglerVars, " "))
	}
	crmURL := entryOf(crm, report)
	switch section {
	case "pg", "load":
		if scale <= 0 {
			return fmt.Errorf("-only=%s needs -scale > 0", section)
		}
		d, err := loadDatasetSection(crmURL, "dataset", scale, report)
		if err != nil {
			return err
		}
		if section == "pg" {
			if err := benchPostgres(crmURL, "dataset", d, scale, pgN, report); err != nil {
				return err
			}
		} else if err := benchQueries(crmURL, "dataset", d, 100, report); err != nil {
			return err
		}
		report.WriteString(d.replay)
	case "bridge":
		if err := benchBridge(crmURL, bridgeN, 5, report); err != nil {
			return err
		}
	case "workflows":
		if err := benchWorkflows(crmURL, 30, 50, report); err != nil {
			return err
		}
		if err := benchWebhooks(crmURL, 600, report); err != nil {
			return err
		}
	case "concurrency", "crud":
		bare, err := harness.StartConfig(filepath.Join(harness.Root(), "tests", "bench", "bare", "wrangler.toml"), filepath.Join(dir, "bare"))
		if err != nil {
			return err
		}
		defer bare.Stop()
		bench := func() error { return benchConcurrency(crmURL, entryOf(bare, report), perWriter, 3, report) }
		if section == "crud" {
			bench = func() error { return benchCreateRead(crmURL, entryOf(bare, report), 300, report) }
		}
		if err := bench(); err != nil {
			return err
		}
	}
	if err := os.WriteFile(outPath, []byte(report.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(report.String())
	return nil
}
