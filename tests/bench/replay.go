package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"

	"edgecrm/tests/harness"
)

// benchReplay runs durable's BenchmarkReplay (the dataset's log replayed
// into the inline projection natively: Workspace.Replay on a WAL file, as
// Durable Object storage is) and reports its events/s.
func benchReplay(scale float64, report *strings.Builder) error {
	cmd := exec.Command("go", "test", "./durable", "-run", "^$", "-bench", "^BenchmarkReplay$", "-benchtime", "2x")
	cmd.Dir = harness.Root()
	cmd.Env = append(cmd.Environ(), fmt.Sprintf("EDGECRM_REPLAY_SCALE=%g", scale))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("native replay: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`([0-9.]+) events/s`).FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("native replay: no events/s in\n%s", out)
	}
	fmt.Fprintf(report, "## Native replay\n\n`go test ./durable -bench BenchmarkReplay` (scale %g of the dataset, its log replayed into the inline projection: `Workspace.Replay`, modernc SQLite on a WAL file): **%s events/s**.\n\n", scale, m[1])
	// Where a replay's time goes (BenchmarkReplay's other metrics).
	var parts []string
	for _, p := range []struct{ unit, what string }{
		{"read", "reading the log"}, {"go", "Go (decoding, projecting, encoding rows)"}, {"rows", "writing the rows (and the drops)"},
		{"index", "the secondary indexes and search fills after them"}, {"commit", "the commit"}} {
		if v := regexp.MustCompile(`([0-9.]+) ` + p.unit + `-ms/op`).FindSubmatch(out); v != nil {
			parts = append(parts, fmt.Sprintf("%s %s ms", p.what, v[1]))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(report, "A replay's time: %s.\n\n", strings.Join(parts, ", "))
	}
	return nil
}
