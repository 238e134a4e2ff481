package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"edgecrm/tests/harness"
	"edgecrm/tests/wsload"
)

// floorWS measures the platform's floor for the real-time section: a bare
// JavaScript object (floorws/bare.mjs, no Go) holding the same sockets and
// sending one frame to each per POST, found with getWebSockets once
// (mode "all") or per socket id tag (mode "tag", as the shell does).
// `go run ./tests/bench -only=floor-all -sockets=10000 -fanouts=20`.
func floorWS(sockets, mutations int, mode string) error {
	dir, _ := os.MkdirTemp("", "edgecrm-floorws-")
	defer os.RemoveAll(dir)
	srv, err := harness.StartConfig(filepath.Join(harness.Root(), "tests", "bench", "floorws", "wrangler.toml"), filepath.Join(dir, "s"))
	if err != nil {
		return err
	}
	defer srv.Stop()
	entry, _, err := runtimeEntry(srv)
	if err != nil {
		return err
	}
	cfg := wsload.Config{URL: entry, Path: "/graphql", Sockets: sockets, Parallel: 32, Mutations: mutations, Budget: 10 * time.Minute,
		Header: func() http.Header { return http.Header{} }, Init: `{}`, Query: `x`,
		Mutate: func(i int) error {
			r, err := http.Post(entry+"/b?mode="+mode, "text/plain", nil)
			if err == nil {
				r.Body.Close()
			}
			return err
		},
		Progress: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }}
	res, err := wsload.Run(cfg, nil)
	if err != nil {
		return err
	}
	fmt.Printf("floor %s %d sockets: commit->last p50 %s p99 %s; each p50 %s p99 %s\n", mode, res.Held, ms(res.CommitToAll.Pct(0.5)), ms(res.CommitToAll.Pct(0.99)), ms(res.Delivery.Pct(0.5)), ms(res.Delivery.Pct(0.99)))
	fmt.Println(srv.Logs()[max(0, len(srv.Logs())-3000):])
	return nil
}
