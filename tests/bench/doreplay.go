package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"edgecrm/tests/harness"
)

// benchDOReplay replays workspace ws's log inside its Durable Object (POST
// /admin/workspaces/<ws>/replay: Workspace.Replay in wasm, on the object's
// SQLite, in one request) and reports its rate beside the native one, with
// the request's Server-Timing (core: Go's whole call; db: the statements
// inside it). It then waits for the flush to rebuild D1 and the consumer
// to catch up, so the sections after it run on a quiet object.
func benchDOReplay(base, ws string, report *strings.Builder) error {
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/admin/workspaces/%s/replay", base, workspaceOf(base, ws)), nil)
	req.Header.Set("authorization", "Bearer "+harness.AdminToken)
	start := time.Now()
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("replay in the object: %w", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != 200 {
		return fmt.Errorf("replay in the object: %d %.300s", resp.StatusCode, body)
	}
	var answer struct{ Replayed int }
	if err := json.Unmarshal(body, &answer); err != nil || answer.Replayed <= 0 {
		return fmt.Errorf("replay in the object: no event count in %.300s", body)
	}
	events := answer.Replayed
	t := parseServerTiming(resp.Header.Values("Server-Timing"))
	statements := ""
	if m := statementsRE.FindStringSubmatch(strings.Join(resp.Header.Values("Server-Timing"), ",")); m != nil {
		statements = m[1]
	}
	rate := float64(events) / took.Seconds()
	fmt.Fprintf(os.Stderr, "replay in the object: %d events in %s = %.0f events/s (core %.0f ms, db %.0f ms, %s statements)\n", events, took.Round(time.Millisecond), rate, t["core"], t["db"], statements)
	rebuilt, err := waitOutbox(base, ws, 30*time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(report, "## Replay inside the Durable Object\n\n`POST /admin/workspaces/<ws>/replay` on the dataset's workspace after its load: `Workspace.Replay` in wasm on the object's SQLite, the whole log in one request (one transaction). **%d events in %s = %.0f events/s**. Its Server-Timing: Go's call %.0f ms (`core`), of it the %s statements %.0f ms (`db`), so Go's own work (decoding the log, projecting, encoding rows) %.0f ms; the object's commit and answer %.0f ms. The flush then rebuilt D1 and the consumer caught up in %s (untimed), before the operations on the dataset above and the PostgreSQL comparison ran.\n\n",
		events, took.Round(time.Millisecond), rate, t["core"], statements, t["db"], t["core"]-t["db"], t["object"]-t["core"], rebuilt.Round(time.Second))
	return nil
}
